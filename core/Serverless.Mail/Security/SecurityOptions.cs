namespace Serverless.Mail.Security;

public sealed class SecurityOptions
{
    public const string Section = "Mail:Security";

    /// <summary>PBKDF2 iterations for new password hashes. Lower it only in tests.</summary>
    public int Pbkdf2Iterations { get; set; } = PasswordHasher.DefaultIterations;

    /// <summary>How long a successful password check is remembered (keyed by a keyed hash, never the password).</summary>
    public TimeSpan LoginCacheLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a mailbox's directory entry is reused for logins before it is read again.</summary>
    public TimeSpan AccountCacheLifetime { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Failed logins allowed per client IP within <see cref="FailureWindow"/> before refusing.</summary>
    public int MaxFailuresPerIp { get; set; } = 10;

    /// <summary>Failed logins allowed per account within <see cref="FailureWindow"/> before refusing.</summary>
    public int MaxFailuresPerAccount { get; set; } = 5;

    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Most client IPs, and most accounts, whose failures are counted at once (each table apart).
    /// Entries expire one by one after <see cref="FailureWindow"/>; a full table refuses new names
    /// (their logins are answered as throttled) rather than dropping anyone's live counter.
    /// </summary>
    public int MaxTrackedLogins { get; set; } = 100_000;
}
