using System.Collections.Concurrent;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Configuration;

namespace Serverless.Mail.Delivery.Authentication;

/// <summary>
/// Remembers that a name has no records of a type (NXDOMAIN, or NODATA: no error, no answers),
/// shared by every check of the process. DnsClient's cache keeps positive answers for their TTL
/// but negative ones only for a fixed time if at all, never for the zone's SOA. RFC 2308 section 5:
/// a negative answer may be cached for the smaller of the SOA's TTL and its MINIMUM field, here
/// bounded by <c>Mail:Dns:NegativeCacheMinimum</c> (default 5 s) and
/// <c>Mail:Dns:NegativeCacheMaximum</c> (default 1 h); an answer without an SOA is not cached
/// (RFC 2308 section 5: its lifetime is unknown). Without this, a sender domain that publishes no
/// SPF or DMARC record costs a resolver round trip per message, every message.
/// </summary>
public sealed class NegativeAnswerCache
{
    public const string MinimumKey = "Mail:Dns:NegativeCacheMinimum";
    public const string MaximumKey = "Mail:Dns:NegativeCacheMaximum";

    /// <summary>Names remembered at most; beyond that, expired ones go first, then everything (a flood of random names).</summary>
    private const int Capacity = 100_000;

    private readonly ConcurrentDictionary<(string Name, QueryType Type), DateTimeOffset> _until = new();
    private readonly TimeProvider _time;

    public NegativeAnswerCache(TimeSpan minimum, TimeSpan maximum, TimeProvider? time = null)
    {
        if (minimum < TimeSpan.Zero || maximum < minimum)
        {
            throw new ArgumentOutOfRangeException(nameof(maximum), "Negative DNS caching needs 0 <= minimum <= maximum.");
        }
        Minimum = minimum;
        Maximum = maximum;
        _time = time ?? TimeProvider.System;
    }

    public TimeSpan Minimum { get; }

    public TimeSpan Maximum { get; }

    public int Count => _until.Count;

    public static NegativeAnswerCache Bind(IConfiguration configuration, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new NegativeAnswerCache(
            TimeSpan.TryParse(configuration[MinimumKey], System.Globalization.CultureInfo.InvariantCulture, out var min) ? min : TimeSpan.FromSeconds(5),
            TimeSpan.TryParse(configuration[MaximumKey], System.Globalization.CultureInfo.InvariantCulture, out var max) ? max : TimeSpan.FromHours(1),
            time);
    }

    /// <summary>Whether <paramref name="name"/> is known, still, to have no <paramref name="type"/> records.</summary>
    public bool KnownEmpty(string name, QueryType type)
    {
        var key = (Normalize(name), type);
        if (!_until.TryGetValue(key, out var until))
        {
            return false;
        }
        if (_time.GetUtcNow() < until)
        {
            return true;
        }
        _until.TryRemove(KeyValuePair.Create(key, until));
        return false;
    }

    /// <summary>Records a negative <paramref name="response"/> for as long as its SOA allows, within the bounds.</summary>
    public void Remember(string name, QueryType type, IDnsQueryResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var soa = response.Authorities.SoaRecords().FirstOrDefault();
        if (soa is null || Maximum <= TimeSpan.Zero)
        {
            return;
        }
        var seconds = Math.Min(soa.InitialTimeToLive, (long)soa.Minimum);
        var ttl = TimeSpan.FromSeconds(Math.Clamp(seconds, (long)Minimum.TotalSeconds, (long)Maximum.TotalSeconds));
        if (ttl <= TimeSpan.Zero)
        {
            return;
        }
        var now = _time.GetUtcNow();
        if (_until.Count >= Capacity)
        {
            foreach (var (key, until) in _until)
            {
                if (until <= now)
                {
                    _until.TryRemove(KeyValuePair.Create(key, until));
                }
            }
            if (_until.Count >= Capacity)
            {
                _until.Clear();
            }
        }
        _until[(Normalize(name), type)] = now + ttl;
    }

    private static string Normalize(string name) => name.TrimEnd('.').ToLowerInvariant();
}
