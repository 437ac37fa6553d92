namespace Serverless.Listeners.Pop3;

/// <summary>POP3 settings (section <c>Mail:Pop3</c>; env <c>Mail__Pop3__...</c>).</summary>
public sealed class Pop3Options
{
    public const string Section = "Mail:Pop3";

    /// <summary>
    /// How long a maildrop lease lasts without renewal. Sessions renew it every third of this, so
    /// it only matters when a listener dies: its mailboxes are free again after at most this long.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>RFC 1939 section 3: the autologout timer must be at least 10 minutes.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Failed logins in one connection before it is closed (the per-IP/account throttle applies too).</summary>
    public int MaxAuthFailures { get; set; } = 3;

    /// <summary>Unknown, malformed or out-of-state commands in one connection before it is closed.</summary>
    public int MaxBadCommands { get; set; } = 20;

    /// <summary>
    /// How many pipelined RETR/TOP commands may have their message downloads started ahead of
    /// the one being sent, so storage latency overlaps instead of adding up (0 turns it off).
    /// </summary>
    public int ReadAhead { get; set; } = 8;

    /// <summary>
    /// After RETR n, how many following messages (n+1…) are fetched into memory in the background
    /// for a client that asks for one message at a time (0 turns it off).
    /// </summary>
    public int SerialReadAhead { get; set; } = 4;

    /// <summary>Bytes one session may hold fetched ahead; a larger message is never fetched ahead.</summary>
    public long SerialReadAheadBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Bytes all POP3 sessions of the process may hold fetched ahead together.</summary>
    public long ReadAheadMaxBytes { get; set; } = 64 * 1024 * 1024;
}
