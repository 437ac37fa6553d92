namespace Serverless.Mail.Sieve.Scripts;

/// <summary>Sieve script storage limits (section <c>Mail:Sieve</c>; env <c>Mail__Sieve__...</c>).</summary>
public sealed class SieveOptions
{
    public const string Section = "Mail:Sieve";

    /// <summary>The hard cap: two 32 KiB binary properties of one table row (docs/storage.md).</summary>
    public const int StorableScriptBytes = 64 * 1024;

    /// <summary>Scripts one mailbox may keep (PUTSCRIPT of a new name beyond it: NO (QUOTA/MAXSCRIPTS)).</summary>
    public int MaxScripts { get; set; } = 20;

    /// <summary>Largest script in UTF-8 octets (NO (QUOTA/MAXSIZE)); at most <see cref="StorableScriptBytes"/>.</summary>
    public int MaxScriptBytes { get; set; } = StorableScriptBytes;

    /// <summary>How long the ingest keeps a mailbox's active script before reading it again.</summary>
    public TimeSpan ActiveScriptCacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    public int EffectiveMaxScriptBytes => Math.Clamp(MaxScriptBytes, 1, StorableScriptBytes);
}
