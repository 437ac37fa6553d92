using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Serverless.Mail.Spam;

/// <summary>
/// <c>Mail:Spam:*</c>: the thresholds every tenant starts with (each tenant may set its own through the
/// API), the DNS blocklists to ask (none by default), Rspamd, the sender reputation, and the weight of
/// each signal (<c>Mail:Spam:Weights:{TEST_NAME}</c> overrides a built-in weight; 0 turns a test off).
/// </summary>
public sealed class SpamOptions
{
    /// <summary><c>Mail:Spam:Enabled</c>: false scores nothing and adds no X-Spam headers (the DMARC/SPF Junk rule stays).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>At or above this score the message is filed into Junk.</summary>
    public double JunkScore { get; set; } = 5;

    /// <summary>At or above this score the MX refuses the message with 550 5.7.1.</summary>
    public double RejectScore { get; set; } = 15;

    public IReadOnlyList<DnsblZone> Dnsbl { get; set; } = [];

    /// <summary><c>Mail:Spam:RspamdUrl</c>: base address of an Rspamd worker (e.g. http://127.0.0.1:11333); unset asks none.</summary>
    public Uri? RspamdUrl { get; set; }

    /// <summary>Rspamd's score is multiplied by this before it is added.</summary>
    public double RspamdWeight { get; set; } = 1;

    /// <summary>After this Rspamd's answer is not waited for (no signal, never a refusal).</summary>
    public TimeSpan RspamdTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary><c>Mail:Spam:RspamdPassword</c>: sent as the Password header when the controller wants one.</summary>
    public string? RspamdPassword { get; set; }

    /// <summary>Reputation of a sending domain halves over this time without new verdicts.</summary>
    public TimeSpan ReputationHalfLife { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Verdicts are written to the reputation table in the background at most this often per domain.</summary>
    public TimeSpan ReputationFlushInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a domain's reputation row read from the table is trusted.</summary>
    public TimeSpan ReputationCacheLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long the listener trusts a tenant's spam settings read from the table.</summary>
    public TimeSpan SettingsCacheLifetime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// <c>Mail:Spam:ContentTrainedMinimum</c>: once the content classifier's models hold at least this
    /// many spam and this many ham messages, its bands carry their trained weights (a confident
    /// verdict files into Junk on its own); before that, SpamAssassin's, which never do.
    /// SpamAssassin waits for 200 of each before it uses Bayes at all.
    /// </summary>
    public int ContentTrainedMinimum { get; set; } = 200;

    /// <summary>Overrides of the built-in weights, by test name.</summary>
    public IReadOnlyDictionary<string, double> Weights { get; set; } = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The weight of <paramref name="test"/>: the configured one, else <paramref name="builtIn"/>.</summary>
    public double Weight(string test, double builtIn) => Weights.TryGetValue(test, out var w) ? w : builtIn;

    /// <summary>The test with its weight, or nothing when its weight is configured to 0 (turned off).</summary>
    public IReadOnlyList<SpamTest> Fired(string test, double builtIn)
    {
        var weight = Weight(test, builtIn);
        return weight == 0 ? [] : [new SpamTest(test, weight)];
    }

    public static SpamOptions Bind(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection("Mail:Spam");
        var options = new SpamOptions();
        options.Enabled = Bool(section["Enabled"], options.Enabled);
        options.JunkScore = Number(section["JunkScore"], options.JunkScore);
        options.RejectScore = Number(section["RejectScore"], options.RejectScore);
        options.RspamdWeight = Number(section["RspamdWeight"], options.RspamdWeight);
        options.RspamdPassword = section["RspamdPassword"];
        if (!string.IsNullOrWhiteSpace(section["RspamdUrl"]))
        {
            options.RspamdUrl = new Uri(section["RspamdUrl"]!, UriKind.Absolute);
        }
        options.RspamdTimeout = Span(section["RspamdTimeout"], options.RspamdTimeout);
        options.ReputationHalfLife = Span(section["ReputationHalfLife"], options.ReputationHalfLife);
        options.ReputationFlushInterval = Span(section["ReputationFlushInterval"], options.ReputationFlushInterval);
        options.ReputationCacheLifetime = Span(section["ReputationCacheLifetime"], options.ReputationCacheLifetime);
        options.SettingsCacheLifetime = Span(section["SettingsCacheLifetime"], options.SettingsCacheLifetime);
        options.ContentTrainedMinimum = (int)Number(section["ContentTrainedMinimum"], options.ContentTrainedMinimum);
        var weights = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        foreach (var w in section.GetSection("Weights").GetChildren())
        {
            weights[w.Key] = Number(w.Value, 0);
        }
        options.Weights = weights;
        options.Dnsbl = section.GetSection("Dnsbl").GetChildren().Select(DnsblZone.Bind).Where(z => z is not null).Select(z => z!).ToList();
        return options;
    }

    private static bool Bool(string? text, bool fallback) => bool.TryParse(text, out var b) ? b : fallback;

    private static double Number(string? text, double fallback) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : fallback;

    private static TimeSpan Span(string? text, TimeSpan fallback) =>
        TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var t) ? t : fallback;
}

/// <summary>What a DNS blocklist lists: client addresses (DNSBL) or domain names (RHSBL).</summary>
public enum DnsblKind
{
    Address,
    Domain,
}

/// <summary>
/// One blocklist zone, <c>Mail:Spam:Dnsbl:{n}:Zone|Name|Kind|Weight|Codes</c>. <c>Codes</c> is a
/// comma-separated list of the A records that count (e.g. Spamhaus ZEN's 127.0.0.2-127.0.0.11); empty
/// counts any 127.0.0.0/8 answer except the 127.255.255.x error codes Spamhaus returns to refused resolvers.
/// </summary>
public sealed record DnsblZone(string Zone, string Name, DnsblKind Kind, double Weight, IReadOnlyList<string> Codes)
{
    public static DnsblZone? Bind(IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var zone = section["Zone"]?.Trim().TrimEnd('.');
        if (string.IsNullOrEmpty(zone))
        {
            return null;
        }
        var kind = Enum.TryParse<DnsblKind>(section["Kind"], ignoreCase: true, out var k) ? k : DnsblKind.Address;
        var name = section["Name"] ?? (kind == DnsblKind.Address ? "DNSBL_" : "RHSBL_") + zone.Split('.')[0].ToUpperInvariant();
        var weight = double.TryParse(section["Weight"], NumberStyles.Float, CultureInfo.InvariantCulture, out var w) ? w : 5;
        var codes = (section["Codes"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new DnsblZone(zone, name, kind, weight, codes);
    }

    /// <summary>True when the answer <paramref name="address"/> means "listed".</summary>
    public bool Counts(System.Net.IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var text = address.ToString();
        if (Codes.Count > 0)
        {
            return Codes.Contains(text);
        }
        var bytes = address.GetAddressBytes();
        return bytes.Length == 4 && bytes[0] == 127 && !(bytes[1] == 255 && bytes[2] == 255);
    }
}
