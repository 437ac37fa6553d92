namespace Serverless.Listeners.Imap;

/// <summary>IMAP settings (section <c>Mail:Imap</c>; env <c>Mail__Imap__...</c>).</summary>
public sealed class ImapOptions
{
    public const string Section = "Mail:Imap";

    /// <summary>
    /// How often a folder with IDLE sessions reads its folder row anyway (one billed point read per
    /// folder per interval, shared by every session on it in this process; the first after a random
    /// part of it, so folders do not poll in step). Changes made in this process wake sessions at
    /// once and those made elsewhere arrive through the change feed (<c>Mail:ChangeFeed</c>) within
    /// about a second; this poll only covers a feed entry that was lost (its writer died between
    /// the index transaction and the feed write), so it is slow. With the feed turned off, set it
    /// to seconds (it was 15 s before the feed).
    /// </summary>
    public TimeSpan IdlePollInterval { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>
    /// A command other than NOOP/CHECK/IDLE/SELECT reuses a folder check younger than this instead
    /// of reading the folder row again, so a burst of FETCHes costs no storage reads for it. A change
    /// feed notice about the folder voids the check at once.
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

    /// <summary>
    /// NOTIFY (RFC 5465): events one session may hold for its client — folders changed and mailbox
    /// names or subscriptions changed — while it cannot tell them (a command in progress, a client
    /// not reading). Beyond it the session says <c>* OK [NOTIFICATIONOVERFLOW]</c> and stops
    /// notifying, so a session's memory stays bounded.
    /// </summary>
    public int NotifyMaxPending { get; set; } = 1000;

    /// <summary>Largest literal accepted before login (LOGIN arguments need little).</summary>
    public int MaxLiteralBeforeLogin { get; set; } = 8 * 1024;
}
