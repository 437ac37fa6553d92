using System.Collections.Concurrent;
using Serverless.Mail.Accounts;

namespace Serverless.Mail.Delivery;

/// <summary>
/// RCPT resolution for the SMTP listener: <see cref="RecipientResolver"/> plus a short cache of
/// addresses that resolved to something deliverable, so a steady stream of mail to the same
/// people costs no directory read per message. Unknown addresses are not cached (a new mailbox
/// is reachable at once); a removed one may be accepted for up to the cache lifetime, and the
/// ingest then bounces it.
/// </summary>
public sealed class RecipientLookup(RecipientResolver resolver)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<string, (ResolvedRecipient Result, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);

    public RecipientResolver Resolver => resolver;

    public async Task<ResolvedRecipient> ResolveAsync(MailAddress address, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        if (_cache.TryGetValue(address.Address, out var hit) && hit.Expires > now)
        {
            return hit.Result;
        }
        var result = await resolver.ResolveAsync(address, cancellationToken);
        if (result.Hosted && result.Deliverable)
        {
            if (_cache.Count >= MaxEntries)
            {
                _cache.Clear();
            }
            _cache[address.Address] = (result, now + Lifetime);
        }
        return result;
    }
}
