using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Serverless.Mail.Sieve.Scripts;

/// <summary>
/// The ingest's view of a mailbox's active script (<see cref="ISieveScriptSource"/>): one point read
/// of the <c>sieve</c> row, kept for <see cref="SieveOptions.ActiveScriptCacheDuration"/> per
/// process, so a busy mailbox costs one read per period and a change is seen within it. The text is
/// the user's active script with the managed vacation composed in (<see cref="ManagedVacation"/>);
/// its <see cref="ActiveSieveScript.Version"/> is a hash of that text, so a compiled-script cache
/// keyed by it never serves an old script.
/// </summary>
public sealed class SieveScriptSource(SieveScripts scripts, TimeProvider time) : ISieveScriptSource
{
    private readonly ConcurrentDictionary<string, (ActiveSieveScript? Script, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);

    public async ValueTask<ActiveSieveScript?> GetActiveAsync(string mailboxId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(mailboxId, out var hit) && hit.Expires > now)
        {
            return hit.Script;
        }
        var (name, text, vacation) = await scripts.ReadActiveAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        var script = Compose(name, text, vacation, now);
        if (_cache.Count > 100_000)
        {
            _cache.Clear(); // a crude bound: entries are small and cheap to read again
        }
        _cache[mailboxId] = (script, now + scripts.Options.ActiveScriptCacheDuration);
        return script;
    }

    /// <summary>Forgets a mailbox's cached script (a change made in this process is seen at once).</summary>
    public void Forget(string mailboxId) => _cache.TryRemove(mailboxId, out _);

    /// <summary>The script to run for this state at <paramref name="now"/>, or null for a plain keep.</summary>
    public static ActiveSieveScript? Compose(string? name, string? text, VacationSettings? vacation, DateTimeOffset now)
    {
        var composed = ManagedVacation.Compose(name is null ? null : text ?? "", vacation, now);
        if (composed is null)
        {
            return null;
        }
        var version = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(composed)).AsSpan(0, 16));
        return new ActiveSieveScript(name ?? ManagedVacation.ScriptName, composed, version);
    }
}
