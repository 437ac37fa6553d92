using Microsoft.Extensions.Configuration;

namespace Serverless.Mail.Migration;

/// <summary>Settings of section <c>Mail:Import</c> (env <c>Mail__Import__...</c>).</summary>
public sealed class ImportOptions
{
    public const string Section = "Mail:Import";

    /// <summary>
    /// The key source passwords are encrypted with while an IMAP import runs (AES-256-GCM, the key
    /// derived from this value). Key Vault in Azure (<c>mail-import-secret</c>); <c>./run.sh</c>
    /// generates one into <c>.data/import-secret</c>. Empty: IMAP imports are refused (files still work).
    /// </summary>
    public string SecretKey { get; set; } = "";

    /// <summary>Messages copied per queue message; the function then queues its own continuation.</summary>
    public int BatchSize { get; set; } = 200;

    /// <summary>Longest one queue message works before it stops and queues its continuation (well inside a Functions timeout).</summary>
    public TimeSpan BatchTime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a run holds the import; another copy of its queue message does nothing meanwhile.</summary>
    public TimeSpan LeaseTime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Failed runs in a row (source unreachable, storage down) before the import stops as failed.</summary>
    public int MaxFailures { get; set; } = 5;

    /// <summary>How long a failed run waits before the next attempt.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest uploaded mbox or zip file.</summary>
    public long MaxUploadBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>Largest single message imported; a larger one is counted as an error and skipped.</summary>
    public long MaxMessageBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Timeout of each command to the source IMAP server.</summary>
    public TimeSpan SourceTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public static ImportOptions Bind(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new ImportOptions();
        configuration.GetSection(Section).Bind(options);
        return options;
    }
}
