namespace Serverless.Listeners.ManageSieve;

/// <summary>ManageSieve settings (section <c>Mail:ManageSieve</c>; env <c>Mail__ManageSieve__...</c>).</summary>
public sealed class ManageSieveOptions
{
    public const string Section = "Mail:ManageSieve";

    /// <summary>The bound of a command outside its literals (names, quoted strings); past it: BYE.</summary>
    public const int CommandLineLimit = 8 * 1024;

    /// <summary>
    /// A literal larger than the script size limit (Mail:Sieve:MaxScriptBytes) is read and thrown
    /// away (NO (QUOTA/MAXSIZE)) up to this size; a larger one ends the connection (BYE).
    /// </summary>
    public const long DiscardableLiteral = 1024 * 1024;

    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Failed logins in one connection before it is closed (the per-IP/account throttle applies too).</summary>
    public int MaxAuthFailures { get; set; } = 3;

    /// <summary>Unknown, malformed or out-of-state commands in one connection before it is closed.</summary>
    public int MaxBadCommands { get; set; } = 20;

    /// <summary>The IMPLEMENTATION capability.</summary>
    public string Implementation { get; set; } = "Serverless Mail";
}
