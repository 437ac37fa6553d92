namespace Serverless.Protocols.Imap;

public enum ImapSegmentKind
{
    /// <summary>A line of command text without its CRLF (it may end in a literal announcement).</summary>
    Text,

    /// <summary>Literal bytes the parser buffered.</summary>
    Literal,

    /// <summary>A literal the session consumed itself (e.g. streamed to storage); <see cref="ImapFrameSegment.External"/> is its handle.</summary>
    External,
}

/// <summary>One piece of a command as it arrived: text lines alternate with literals.</summary>
public sealed record ImapFrameSegment(ImapSegmentKind Kind, ReadOnlyMemory<byte> Data, object? External = null, long Length = 0)
{
    public long Size => Kind == ImapSegmentKind.External ? Length : Data.Length;
}

/// <summary>A complete command: its lines and literals in order.</summary>
public sealed class ImapFrame(IReadOnlyList<ImapFrameSegment> segments)
{
    public IReadOnlyList<ImapFrameSegment> Segments { get; } = segments;

    /// <summary>The tag if the first line starts with a syntactically valid one, else null.</summary>
    public string? Tag => Segments.Count > 0 && Segments[0].Kind == ImapSegmentKind.Text ? ImapCommandFramer.TagOf(Segments[0].Data.Span) : null;
}
