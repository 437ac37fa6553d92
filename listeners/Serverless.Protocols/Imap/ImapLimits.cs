using Serverless.Protocols.Common;

namespace Serverless.Protocols.Imap;

/// <summary>
/// Bounds on what one IMAP command may make the server hold in memory. A message literal of APPEND
/// is streamed to storage by the session and bounded separately (<see cref="MaxAppendSize"/>).
/// </summary>
public sealed record ImapLimits
{
    /// <summary>One line of a command (up to CRLF or a literal announcement).</summary>
    public int MaxLineLength { get; init; } = ProtocolLimits.ImapCommandLine;

    /// <summary>A literal the parser keeps in memory (mailbox names, search strings, passwords).</summary>
    public int MaxBufferedLiteral { get; init; } = 64 * 1024;

    /// <summary>All lines and buffered literals of one command together.</summary>
    public int MaxCommandBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// An ID command's line and whole command (RFC 2971), when larger than <see cref="MaxLineLength"/>:
    /// RFC 2971 3.3 allows 30 fields of 30 octets with values of 1024 octets, about 31.8 KB written
    /// as quoted strings. Only ID gets it, and its parser holds it to those bounds.
    /// </summary>
    public int MaxIdCommandLength { get; init; } = 32 * 1024;

    /// <summary>Literals in one command.</summary>
    public int MaxLiterals { get; init; } = 64;

    /// <summary>Largest message APPEND accepts (streamed, never buffered whole).</summary>
    public long MaxAppendSize { get; init; } = 50L * 1024 * 1024;

    public static ImapLimits Default { get; } = new();

    /// <summary>
    /// Before login: a command line of 8 KiB and 16 KiB for a whole command (LOGIN with an 8 KiB
    /// literal password fits; AUTHENTICATE responses are read as lines of their own), at most 4
    /// literals; an ID command up to <see cref="MaxIdCommandLength"/> (32 KiB), which RFC 2971's own
    /// bounds need. An unauthenticated connection so holds a few tens of KiB of command, never a megabyte.
    /// </summary>
    public static ImapLimits BeforeLogin { get; } = new()
    {
        MaxLineLength = 8 * 1024,
        MaxBufferedLiteral = 8 * 1024,
        MaxCommandBytes = 16 * 1024,
        MaxLiterals = 4,
    };
}
