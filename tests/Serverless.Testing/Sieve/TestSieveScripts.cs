using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Serverless.Mail.Sieve;

namespace Serverless.Testing.Sieve;

/// <summary>
/// Active Sieve scripts held in memory, per mailbox id: the tests' own <see cref="ISieveScriptSource"/>
/// (the script store of ManageSieve is another part's). The version is the text's hash, as a store's would change with it.
/// </summary>
public sealed class TestSieveScripts : ISieveScriptSource
{
    private readonly ConcurrentDictionary<string, ActiveSieveScript> _scripts = new(StringComparer.Ordinal);

    public int Reads { get; private set; }

    public void Set(string mailboxId, string text) =>
        _scripts[mailboxId] = new ActiveSieveScript("test", text, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))));

    public void Remove(string mailboxId) => _scripts.TryRemove(mailboxId, out _);

    public ValueTask<ActiveSieveScript?> GetActiveAsync(string mailboxId, CancellationToken cancellationToken)
    {
        Reads++;
        return ValueTask.FromResult(_scripts.GetValueOrDefault(mailboxId));
    }
}
