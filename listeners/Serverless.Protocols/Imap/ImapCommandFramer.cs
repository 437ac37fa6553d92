using System.Buffers;
using System.Globalization;
using Serverless.Protocols.Common;

namespace Serverless.Protocols.Imap;

public enum ImapFrameStatus
{
    /// <summary>Everything offered was consumed; feed more bytes.</summary>
    NeedMoreData,

    /// <summary>A line ended with a literal announcement; see <see cref="ImapCommandFramer.Announcement"/>. The caller decides.</summary>
    LiteralAnnounced,

    /// <summary>A whole command is ready: <see cref="ImapCommandFramer.TakeFrame"/>.</summary>
    Complete,

    /// <summary>The input is not a command; see <see cref="ImapCommandFramer.Error"/>.</summary>
    Invalid,
}

/// <param name="Size">Octets announced.</param>
/// <param name="Synchronizing">True for <c>{n}</c>: the client waits for a "+" continuation. False for LITERAL+ <c>{n+}</c>: the bytes follow at once.</param>
public readonly record struct ImapLiteralAnnouncement(long Size, bool Synchronizing);

/// <param name="Fatal">True when the byte stream cannot be resynchronised (the session must say BYE and close).</param>
public sealed record ImapFrameError(string? Tag, string Message, bool Fatal);

/// <summary>
/// Splits the client's byte stream into commands without doing any I/O. It is fed whatever bytes
/// have arrived and says what it needs next: more data, a decision about an announced literal
/// (send a "+" continuation for a synchronising literal, buffer it, stream it elsewhere, or refuse
/// it), or that a command is complete. Every line and every buffered literal is bounded
/// (<see cref="ImapLimits"/>); a literal's size is checked when it is announced, before anything
/// is allocated for it.
/// <code>
/// command  = tag SP (command-any / command-auth / command-nonauth / command-select) CRLF
/// literal  = "{" number ["+"] "}" CRLF *CHAR8      ; "+" is LITERAL+ (RFC 7888)
/// number   = 1*DIGIT                                ; unsigned 32-bit integer
/// </code>
/// </summary>
public sealed class ImapCommandFramer(ImapLimits limits)
{
    private enum Phase
    {
        Line,
        Announced,
        Literal,
        Done,
    }

    private ImapLimits _limits = limits;
    private readonly List<ImapFrameSegment> _segments = [];
    private ArrayBufferWriter<byte> _line = new(256);
    private byte[]? _literal;
    private int _literalFilled;
    private long _commandBytes;
    private Phase _phase = Phase.Line;

    public ImapCommandFramer()
        : this(ImapLimits.Default)
    {
    }

    public ImapLiteralAnnouncement Announcement { get; private set; }

    /// <summary>
    /// The bounds in force; may change only between commands (<see cref="IsIdle"/>), e.g. tighter
    /// ones before login so an unauthenticated client can make the server hold only a few KiB.
    /// </summary>
    public ImapLimits Limits
    {
        get => _limits;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (!IsIdle)
            {
                throw new InvalidOperationException("Limits change only between commands.");
            }
            _limits = value;
        }
    }

    public ImapFrameError? Error { get; private set; }

    /// <summary>The segments received so far (for deciding about a literal from the command's start).</summary>
    public IReadOnlyList<ImapFrameSegment> Partial => _segments;

    /// <summary>True between commands (nothing of a command received yet).</summary>
    public bool IsIdle => _phase == Phase.Line && _segments.Count == 0 && _line.WrittenCount == 0;

    /// <summary>
    /// Consumes bytes from <paramref name="input"/> until a command completes, a literal is
    /// announced, more data is needed, or the input is invalid. <paramref name="consumed"/> is how
    /// far the input was used; after <see cref="ImapFrameStatus.LiteralAnnounced"/> it is just
    /// after the announcing line, so a caller that streams the literal itself reads from there.
    /// </summary>
    public ImapFrameStatus Process(ReadOnlySequence<byte> input, out SequencePosition consumed)
    {
        var reader = new SequenceReader<byte>(input);
        try
        {
            while (true)
            {
                switch (_phase)
                {
                    case Phase.Line:
                        var unread = reader.UnreadSequence;
                        var found = LineFramer.TryReadLine(unread, LineLimit(unread) - _line.WrittenCount, out _, out var next);
                        if (found == LineStatus.TooLong)
                        {
                            return Fail("Command line too long", fatal: true);
                        }
                        if (found == LineStatus.NeedMoreData)
                        {
                            unread.CopyTo(_line.GetSpan((int)unread.Length));
                            _line.Advance((int)unread.Length);
                            reader.AdvanceToEnd();
                            return ImapFrameStatus.NeedMoreData;
                        }
                        var withLf = unread.Slice(0, next);
                        reader.Advance(withLf.Length);
                        // The line as sent, CR kept: it may close a line begun in an earlier read.
                        var status = EndLine(withLf.Slice(0, withLf.Length - 1));
                        if (status is { } s)
                        {
                            return s;
                        }
                        break;
                    case Phase.Literal:
                        var take = (int)Math.Min(reader.Remaining, _literal!.Length - _literalFilled);
                        reader.UnreadSequence.Slice(0, take).CopyTo(_literal.AsSpan(_literalFilled));
                        reader.Advance(take);
                        _literalFilled += take;
                        if (_literalFilled < _literal.Length)
                        {
                            return ImapFrameStatus.NeedMoreData;
                        }
                        _segments.Add(new ImapFrameSegment(ImapSegmentKind.Literal, _literal));
                        _literal = null;
                        _phase = Phase.Line;
                        break;
                    case Phase.Announced:
                        throw new InvalidOperationException("A literal was announced: call AcceptLiteral, ProvideLiteral or Reset first.");
                    case Phase.Done:
                        throw new InvalidOperationException("A command is complete: call TakeFrame first.");
                }
            }
        }
        finally
        {
            consumed = reader.Position;
        }
    }

    /// <summary>Buffer the announced literal (it must fit <see cref="ImapLimits.MaxBufferedLiteral"/>).</summary>
    public void AcceptLiteral()
    {
        if (_phase != Phase.Announced)
        {
            throw new InvalidOperationException("No literal is announced.");
        }
        if (!CanBuffer(Announcement.Size))
        {
            throw new InvalidOperationException("The literal is too large to buffer.");
        }
        _commandBytes += Announcement.Size;
        if (Announcement.Size == 0)
        {
            _segments.Add(new ImapFrameSegment(ImapSegmentKind.Literal, ReadOnlyMemory<byte>.Empty));
            _phase = Phase.Line;
            return;
        }
        _literal = new byte[Announcement.Size];
        _literalFilled = 0;
        _phase = Phase.Literal;
    }

    /// <summary>True if a literal of this size may be buffered in this command.</summary>
    public bool CanBuffer(long size) => size <= _limits.MaxBufferedLiteral && _commandBytes + size <= CommandLimit(_segments.Count > 0 ? _segments[0].Data.Span : default);

    /// <summary>The caller consumed the announced literal itself (e.g. streamed it to a blob); <paramref name="handle"/> stands for it.</summary>
    public void ProvideLiteral(object handle)
    {
        if (_phase != Phase.Announced)
        {
            throw new InvalidOperationException("No literal is announced.");
        }
        _segments.Add(new ImapFrameSegment(ImapSegmentKind.External, ReadOnlyMemory<byte>.Empty, handle, Announcement.Size));
        _phase = Phase.Line;
    }

    /// <summary>The completed command; the framer is ready for the next one.</summary>
    public ImapFrame TakeFrame()
    {
        if (_phase != Phase.Done)
        {
            throw new InvalidOperationException("No command is complete.");
        }
        var frame = new ImapFrame(_segments.ToArray());
        Reset();
        return frame;
    }

    /// <summary>Forgets the command in progress (after refusing a synchronising literal, or after an error).</summary>
    public void Reset()
    {
        _segments.Clear();
        // A long command grows the line buffer; an idle session should not keep it.
        _line = _line.Capacity > 4096 ? new ArrayBufferWriter<byte>(256) : _line;
        _line.ResetWrittenCount();
        _literal = null;
        _literalFilled = 0;
        _commandBytes = 0;
        _phase = Phase.Line;
        Error = null;
        Announcement = default;
    }

    private ImapFrameStatus? EndLine(ReadOnlySequence<byte> lineWithoutLf)
    {
        byte[] text;
        if (_line.WrittenCount == 0)
        {
            text = lineWithoutLf.ToArray();
        }
        else
        {
            var len = _line.WrittenCount + (int)lineWithoutLf.Length;
            text = new byte[len];
            _line.WrittenSpan.CopyTo(text);
            lineWithoutLf.CopyTo(text.AsSpan(_line.WrittenCount));
            _line.ResetWrittenCount();
        }
        var length = text.Length;
        if (length > 0 && text[length - 1] == (byte)'\r')
        {
            length--;
        }
        if (length == 0 && _segments.Count == 0)
        {
            return null; // a stray empty line between commands: ignore it
        }
        _commandBytes += length;
        if (_commandBytes > CommandLimit(_segments.Count > 0 ? _segments[0].Data.Span : text))
        {
            return Fail("Command too long", fatal: true);
        }
        var data = text.AsMemory(0, length);
        _segments.Add(new ImapFrameSegment(ImapSegmentKind.Text, data));
        switch (TryParseAnnouncement(data.Span, out var size, out var synchronizing))
        {
            case AnnouncementParse.None:
                // Spaces before the CRLF that ends a command are not in the grammar, but scripts
                // and hand-typed commands send them (curl -X 'FETCH 1 FLAGS ') and Dovecot accepts
                // them; nothing can end in an unquoted space, so dropping them changes no meaning.
                var kept = data.Span.TrimEnd((byte)' ').Length;
                if (kept < data.Length)
                {
                    _segments[^1] = new ImapFrameSegment(ImapSegmentKind.Text, data[..kept]);
                }
                _phase = Phase.Done;
                return ImapFrameStatus.Complete;
            case AnnouncementParse.Invalid:
                // A synchronising literal's bytes only come after "+", so the stream is still in
                // step; a non-synchronising one of unknown size cannot be skipped.
                return Fail("Invalid literal size", fatal: !synchronizing);
        }
        if (_segments.Count(s => s.Kind != ImapSegmentKind.Text) >= _limits.MaxLiterals)
        {
            return Fail("Too many literals in one command", fatal: !synchronizing);
        }
        Announcement = new ImapLiteralAnnouncement(size, synchronizing);
        _phase = Phase.Announced;
        return ImapFrameStatus.LiteralAnnounced;
    }

    /// <summary>
    /// The longest the current command line may be: <see cref="ImapLimits.MaxIdCommandLength"/> for
    /// the first line of an ID command, else <see cref="ImapLimits.MaxLineLength"/>. Whether it is ID
    /// is decided from its first bytes, which are there long before either limit is reached.
    /// </summary>
    private int LineLimit(ReadOnlySequence<byte> unread)
    {
        if (_limits.MaxIdCommandLength <= _limits.MaxLineLength || _segments.Count > 0)
        {
            return _limits.MaxLineLength;
        }
        Span<byte> start = stackalloc byte[IdPrefixProbe];
        var have = Math.Min(_line.WrittenCount, start.Length);
        _line.WrittenSpan[..have].CopyTo(start);
        var more = (int)Math.Min(unread.Length, start.Length - have);
        unread.Slice(0, more).CopyTo(start[have..]);
        return IsId(start[..(have + more)]) ? _limits.MaxIdCommandLength : _limits.MaxLineLength;
    }

    private const int IdPrefixProbe = 80;

    /// <summary>All of a command whose first line is <paramref name="firstLine"/>: more for ID (see <see cref="ImapLimits.MaxIdCommandLength"/>).</summary>
    private int CommandLimit(ReadOnlySpan<byte> firstLine) =>
        IsId(firstLine) ? Math.Max(_limits.MaxCommandBytes, _limits.MaxIdCommandLength) : _limits.MaxCommandBytes;

    /// <summary>tag SP "ID" SP — the start of an RFC 2971 ID command.</summary>
    private static bool IsId(ReadOnlySpan<byte> line)
    {
        var space = line.IndexOf((byte)' ');
        if (space <= 0 || TagOf(line[..space]) is null)
        {
            return false;
        }
        var rest = line[(space + 1)..];
        return rest.Length >= 3 && (rest[0] | 0x20) == 'i' && (rest[1] | 0x20) == 'd' && rest[2] == ' ';
    }

    private enum AnnouncementParse
    {
        None,
        Valid,
        Invalid,
    }

    private static AnnouncementParse TryParseAnnouncement(ReadOnlySpan<byte> line, out long size, out bool synchronizing)
    {
        size = 0;
        synchronizing = true;
        if (line.Length < 3 || line[^1] != (byte)'}')
        {
            return AnnouncementParse.None;
        }
        var open = line.LastIndexOf((byte)'{');
        if (open < 0)
        {
            return AnnouncementParse.None;
        }
        var inner = line[(open + 1)..^1];
        if (inner.Length > 0 && inner[^1] == (byte)'+')
        {
            synchronizing = false;
            inner = inner[..^1];
        }
        if (inner.Length == 0)
        {
            return AnnouncementParse.Invalid;
        }
        foreach (var c in inner)
        {
            if (c is < (byte)'0' or > (byte)'9')
            {
                // "{...}" that is not a literal (e.g. inside a quoted string at the end of a line)
                return AnnouncementParse.None;
            }
        }
        if (inner.Length > 10 || !long.TryParse(inner, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size > uint.MaxValue)
        {
            return AnnouncementParse.Invalid;
        }
        return AnnouncementParse.Valid;
    }

    private ImapFrameStatus Fail(string message, bool fatal)
    {
        var tag = _segments.Count > 0 ? TagOf(_segments[0].Data.Span) : TagOf(_line.WrittenSpan);
        Error = new ImapFrameError(tag, message, fatal);
        _segments.Clear();
        _line.ResetWrittenCount();
        _literal = null;
        _commandBytes = 0;
        _phase = Phase.Line;
        return ImapFrameStatus.Invalid;
    }

    /// <summary>The tag at the start of a command line, or null if there is no valid one.</summary>
    public static string? TagOf(ReadOnlySpan<byte> line)
    {
        var end = line.IndexOf((byte)' ');
        var tag = end < 0 ? line : line[..end];
        if (tag.Length == 0 || tag.Length > 64)
        {
            return null;
        }
        foreach (var c in tag)
        {
            if (!ImapChars.IsTagChar(c))
            {
                return null;
            }
        }
        return System.Text.Encoding.ASCII.GetString(tag);
    }
}
