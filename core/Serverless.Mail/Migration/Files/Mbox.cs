using System.Globalization;
using System.Text;

namespace Serverless.Mail.Migration.Files;

/// <summary>
/// The two mbox dialects in use. Both separate messages with a line starting "From " (after an
/// empty line or at the start of the file) and escape body lines that would look like one with
/// "&gt;". mboxo escapes only "From " itself, so "&gt;From " in a message is ambiguous there and is read
/// back as "From "; mboxrd escapes every "&gt;*From " line with one more "&gt;", so reading removes
/// exactly one and every message comes back byte for byte. We write mboxrd.
/// </summary>
public enum MboxFormat
{
    Mboxrd,
    Mboxo,
}

/// <summary>One message read from an mbox file: its bytes unescaped, where it was, and the date of its "From " line.</summary>
public sealed record MboxMessage(long Offset, long NextOffset, byte[] Bytes, DateTimeOffset? Date, bool TooLarge);

/// <summary>
/// Reads an mbox stream message by message (RFC 4155 framing), starting at a message boundary
/// (<paramref name="startOffset"/> is that boundary's offset, for the positions it reports). Holds
/// one message at a time; one longer than <paramref name="maxMessageBytes"/> is skipped and reported
/// with <see cref="MboxMessage.TooLarge"/> and no bytes.
/// </summary>
public sealed class MboxReader(Stream stream, MboxFormat format, long startOffset = 0, long maxMessageBytes = 64L * 1024 * 1024)
{
    private static readonly byte[] FromSpace = "From "u8.ToArray();

    public async IAsyncEnumerable<MboxMessage> ReadAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var lines = new MailLineReader(stream);
        using var current = new MemoryStream();
        long messageStart = -1;
        DateTimeOffset? date = null;
        var tooLarge = false;
        var previousEmpty = true;
        var lastLineEmptyLength = 0; // length of the message's last line when it was empty (the separator's blank line)
        while (true)
        {
            var lineStart = startOffset + lines.Consumed;
            var line = await lines.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            var atEnd = line.Length == 0;
            if (atEnd || ((previousEmpty || messageStart < 0) && line.Span.StartsWith(FromSpace)))
            {
                if (messageStart >= 0)
                {
                    var length = current.Length - lastLineEmptyLength;
                    yield return new MboxMessage(messageStart, lineStart, tooLarge ? [] : current.GetBuffer().AsSpan(0, (int)length).ToArray(), date, tooLarge);
                }
                if (atEnd)
                {
                    yield break;
                }
                messageStart = lineStart;
                date = ParseFromLineDate(line.Span);
                current.SetLength(0);
                tooLarge = false;
                previousEmpty = false;
                lastLineEmptyLength = 0;
                continue;
            }
            previousEmpty = IsEmptyLine(line.Span);
            if (messageStart < 0)
            {
                continue; // bytes before the first "From " line are no message
            }
            var span = Unescape(line.Span, format);
            lastLineEmptyLength = previousEmpty ? span.Length : 0;
            if (tooLarge || current.Length + span.Length > maxMessageBytes)
            {
                tooLarge = true;
                current.SetLength(0);
                continue;
            }
            current.Write(span);
        }
    }

    /// <summary>Counts the messages of an mbox stream fed in chunks, with the framing of <see cref="ReadAsync"/>, keeping nothing.</summary>
    public sealed class Counter
    {
        private readonly byte[] _head = new byte[5];
        private bool _previousEmpty = true;
        private long _lineLength;

        public long Messages { get; private set; }

        public void Add(ReadOnlySpan<byte> data)
        {
            foreach (var b in data)
            {
                if (_lineLength < _head.Length)
                {
                    _head[_lineLength] = b;
                }
                _lineLength++;
                if (b == '\n')
                {
                    EndLine();
                }
            }
        }

        /// <summary>Call at the end of the stream (a last line without an ending).</summary>
        public void Complete()
        {
            if (_lineLength > 0)
            {
                EndLine();
            }
        }

        private void EndLine()
        {
            if ((_previousEmpty || Messages == 0) && _lineLength >= _head.Length && _head.AsSpan().SequenceEqual(FromSpace))
            {
                Messages++;
            }
            _previousEmpty = _lineLength == 1 || (_lineLength == 2 && _head[0] == '\r');
            _lineLength = 0;
        }
    }

    private static bool IsEmptyLine(ReadOnlySpan<byte> line) => line.SequenceEqual("\n"u8) || line.SequenceEqual("\r\n"u8);

    /// <summary>Removes one "&gt;" from an escaped "From " line (mboxrd: any number of them; mboxo: exactly one).</summary>
    public static ReadOnlySpan<byte> Unescape(ReadOnlySpan<byte> line, MboxFormat format)
    {
        var quotes = 0;
        while (quotes < line.Length && line[quotes] == '>')
        {
            quotes++;
        }
        if (quotes == 0 || !line[quotes..].StartsWith(FromSpace))
        {
            return line;
        }
        return format == MboxFormat.Mboxrd || quotes == 1 ? line[1..] : line;
    }

    /// <summary>The asctime date of a "From sender Thu Dec  3 17:40:12 2026" line (UTC), or null.</summary>
    public static DateTimeOffset? ParseFromLineDate(ReadOnlySpan<byte> line)
    {
        var text = Encoding.ASCII.GetString(line).TrimEnd('\r', '\n');
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // From sender Www Mmm dd hh:mm:ss yyyy [zone]
        if (parts.Length < 7)
        {
            return null;
        }
        var candidate = string.Join(' ', parts[3], parts[4], parts[5], parts[6]);
        return DateTime.TryParseExact(candidate, "MMM d HH:mm:ss yyyy", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var d)
            ? new DateTimeOffset(d, TimeSpan.Zero)
            : null;
    }
}

/// <summary>Writes mboxrd: a "From " line per message and every "&gt;*From " line of the message with one more "&gt;".</summary>
public static class MboxWriter
{
    private static readonly byte[] FromSpace = "From "u8.ToArray();

    /// <summary>"From sender Thu Dec  3 17:40:12 2026\n" (asctime, UTC; the sender without spaces, MAILER-DAEMON when unknown).</summary>
    public static byte[] FromLine(string? sender, DateTimeOffset date)
    {
        var who = string.IsNullOrWhiteSpace(sender) || sender.Any(c => c <= ' ' || c > '~') ? "MAILER-DAEMON" : sender;
        var d = date.UtcDateTime;
        return Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"From {who} {d:ddd MMM} {d.Day,2} {d:HH:mm:ss yyyy}\n"));
    }

    /// <summary>Copies one message from <paramref name="message"/> to <paramref name="output"/> escaped, then the blank line that ends it in the file.</summary>
    public static async Task WriteMessageAsync(Stream output, Stream message, CancellationToken cancellationToken)
    {
        var lines = new MailLineReader(message);
        var endsWithNewline = true;
        while (true)
        {
            var line = await lines.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line.Length == 0)
            {
                break;
            }
            if (NeedsEscape(line.Span))
            {
                await output.WriteAsync(">"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            }
            await output.WriteAsync(line, cancellationToken).ConfigureAwait(false);
            endsWithNewline = line.Span[^1] == '\n';
        }
        await output.WriteAsync(endsWithNewline ? "\n"u8.ToArray() : "\n\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
    }

    public static bool NeedsEscape(ReadOnlySpan<byte> line)
    {
        var quotes = 0;
        while (quotes < line.Length && line[quotes] == '>')
        {
            quotes++;
        }
        return line[quotes..].StartsWith(FromSpace);
    }
}

/// <summary>
/// Flags an mbox writer kept in the message's header (Dovecot, Thunderbird, mutt): <c>Status:</c> R
/// (read), <c>X-Status:</c> A answered, F flagged, T draft, D deleted, and <c>X-Keywords:</c>. The
/// bytes are imported as they are; these headers only set flags.
/// </summary>
public static class MboxStatus
{
    public static List<string> Flags(byte[] message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var flags = new List<string>();
        var text = Encoding.Latin1.GetString(message, 0, Math.Min(message.Length, 64 * 1024));
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                break; // end of the header section
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || line[0] is ' ' or '\t')
            {
                continue;
            }
            var value = line[(colon + 1)..].Trim();
            switch (line[..colon].ToUpperInvariant())
            {
                case "STATUS":
                    Add(flags, value.Contains('R', StringComparison.Ordinal), "\\Seen");
                    break;
                case "X-STATUS":
                    Add(flags, value.Contains('A', StringComparison.Ordinal), "\\Answered");
                    Add(flags, value.Contains('F', StringComparison.Ordinal), "\\Flagged");
                    Add(flags, value.Contains('T', StringComparison.Ordinal), "\\Draft");
                    Add(flags, value.Contains('D', StringComparison.Ordinal), "\\Deleted");
                    break;
                case "X-KEYWORDS":
                    foreach (var k in value.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries))
                    {
                        Add(flags, !k.StartsWith('\\'), k);
                    }
                    break;
            }
        }
        return flags;
    }

    private static void Add(List<string> flags, bool when, string flag)
    {
        if (when && !flags.Contains(flag, StringComparer.OrdinalIgnoreCase))
        {
            flags.Add(flag);
        }
    }
}
