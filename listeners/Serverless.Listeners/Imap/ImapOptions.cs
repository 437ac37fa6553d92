namespace Serverless.Listeners.Imap;

/// <summary>IMAP settings (section <c>Mail:Imap</c>; env <c>Mail__Imap__...</c>).</summary>
public sealed class ImapOptions
{
    public const string Section = "Mail:Imap";

    /// <summary>
    /// How often a folder with IDLE sessions reads its folder row (one billed point read per folder
    /// per interval, shared by every session on it in this process). Changes made in this process
    /// wake sessions at once; this bounds the delay for changes made elsewhere (the ingest function).
    /// </summary>
    public TimeSpan IdlePollInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// A command other than NOOP/CHECK/IDLE/SELECT reuses a folder check younger than this instead
    /// of reading the folder row again, so a burst of FETCHes costs no storage reads for it.
    /// </summary>
    public TimeSpan CommandCheckInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Largest message APPEND accepts.</summary>
    public long MaxAppendSize { get; set; } = 50L * 1024 * 1024;

    /// <summary>Consecutive malformed commands before the server says BYE.</summary>
    public int MaxBadCommands { get; set; } = 20;

    /// <summary>Keywords one message may carry (STORE / APPEND beyond it: NO [LIMIT]).</summary>
    public int MaxKeywordsPerMessage { get; set; } = 64;

    /// <summary>Characters in one keyword.</summary>
    public int MaxKeywordLength { get; set; } = 100;

    /// <summary>Failed LOGIN/AUTHENTICATE attempts on one connection before the server says BYE.</summary>
    public int MaxLoginFailuresPerConnection { get; set; } = 3;

    /// <summary>Largest literal accepted before login (LOGIN arguments need little).</summary>
    public int MaxLiteralBeforeLogin { get; set; } = 8 * 1024;
}
