namespace Serverless.Mail.Sieve;

/// <summary>Whether a Sieve script compiles (RFC 5228), and if not, where and why.</summary>
public sealed record SieveCheckResult(bool Valid, int Line, string? Reason)
{
    public static SieveCheckResult Ok { get; } = new(true, 0, null);
}

/// <summary>Compiles a script without running it: ManageSieve PUTSCRIPT/CHECKSCRIPT and the API refuse what fails.</summary>
public interface ISieveChecker
{
    SieveCheckResult Check(string script);
}

/// <summary>A mailbox's active script as stored; <see cref="Version"/> changes whenever its text does (cache key).</summary>
public sealed record ActiveSieveScript(string Name, string Text, string Version);

/// <summary>Where the ingest finds the script to run for a mailbox (null: none active, plain keep).</summary>
public interface ISieveScriptSource
{
    ValueTask<ActiveSieveScript?> GetActiveAsync(string mailboxId, CancellationToken cancellationToken);
}
