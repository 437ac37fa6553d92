using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;

namespace Serverless.Mail.Provisioning.Dkim;

/// <summary>
/// DKIM keys of hosted domains: creates a fresh RSA-2048 key per domain under a new selector,
/// keeps the private key server side (<see cref="IDkimPrivateKeyStore"/>) and hands it out for
/// signing. Loaded keys are cached for a while, because the outbound relay signs every message
/// and the key of a selector never changes.
/// <code>
/// var key = await store.GetAsync(domain.Name, domain.DkimSelector!);   // null: no key
/// key!.CreateSigner().Sign(message, DkimKey.RecommendedHeaders);
/// </code>
/// </summary>
public sealed class DkimKeyStore
{
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromMinutes(15);
    private readonly IDkimPrivateKeyStore _keys;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<(string Domain, string Selector), (DkimKey Key, DateTimeOffset Expires)> _cache = new();

    public DkimKeyStore(IDkimPrivateKeyStore keys, TimeProvider? time = null)
    {
        _keys = keys;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// A selector that has never been used for any domain: <c>sm{yyyyMMdd}{4 hex}</c> — the date
    /// tells operators how old a key is, the random part keeps two keys of one day apart.
    /// </summary>
    public string NewSelector() =>
        "sm" + _time.GetUtcNow().ToString("yyyyMMdd", CultureInfo.InvariantCulture) + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2));

    /// <summary>Generates and stores a key for <paramref name="domain"/> under a new selector (RSA-2048, or Ed25519 for the second signature).</summary>
    public Task<DkimKey> CreateAsync(string domain, CancellationToken cancellationToken = default) => CreateAsync(domain, ed25519: false, cancellationToken);

    /// <summary>Generates and stores a key for <paramref name="domain"/> under a new selector: Ed25519 when <paramref name="ed25519"/>, else RSA-2048.</summary>
    public async Task<DkimKey> CreateAsync(string domain, bool ed25519, CancellationToken cancellationToken = default)
    {
        var key = ed25519 ? DkimKey.GenerateEd25519(domain, NewSelector()) : DkimKey.Generate(domain, NewSelector());
        await _keys.SaveAsync(key.Domain, key.Selector, key.PrivateKeyPem, cancellationToken).ConfigureAwait(false);
        _cache[(key.Domain, key.Selector)] = (key, _time.GetUtcNow() + CacheLifetime);
        return key;
    }

    /// <summary>The key of a domain and selector, or null when none is stored.</summary>
    public async Task<DkimKey?> GetAsync(string domain, string selector, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(selector);
        var now = _time.GetUtcNow();
        if (_cache.TryGetValue((domain, selector), out var cached) && cached.Expires > now)
        {
            return cached.Key;
        }
        var pem = await _keys.LoadAsync(domain, selector, cancellationToken).ConfigureAwait(false);
        if (pem is null)
        {
            _cache.TryRemove((domain, selector), out _);
            return null;
        }
        var key = new DkimKey(domain, selector, pem);
        if (_cache.Count > 10_000)
        {
            _cache.Clear();
        }
        _cache[(domain, selector)] = (key, now + CacheLifetime);
        return key;
    }

    /// <summary>Deletes the key (idempotent).</summary>
    public async Task DeleteAsync(string domain, string selector, CancellationToken cancellationToken = default)
    {
        _cache.TryRemove((domain, selector), out _);
        await _keys.DeleteAsync(domain, selector, cancellationToken).ConfigureAwait(false);
    }
}
