using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Serverless.Mail.Delivery.Authentication;

/// <summary>RFC 7208 2.6 results, named as in Authentication-Results (RFC 8601).</summary>
public enum SpfResult
{
    None,
    Neutral,
    Pass,
    Fail,
    SoftFail,
    TempError,
    PermError,
}

/// <summary>
/// SPF (RFC 7208) check_host() over DnsClient. Grammar of a record (RFC 7208 12):
/// <code>
/// record           = version terms *SP
/// version          = "v=spf1"
/// terms            = *( 1*SP ( directive / modifier ) )
/// directive        = [ qualifier ] mechanism
/// qualifier        = "+" / "-" / "?" / "~"
/// mechanism        = ( all / include / a / mx / ptr / ip4 / ip6 / exists )
/// include          = "include" ":" domain-spec
/// a                = "a" [ ":" domain-spec ] [ dual-cidr-length ]
/// mx               = "mx" [ ":" domain-spec ] [ dual-cidr-length ]
/// ptr              = "ptr" [ ":" domain-spec ]
/// ip4              = "ip4" ":" ip4-network [ ip4-cidr-length ]
/// ip6              = "ip6" ":" ip6-network [ ip6-cidr-length ]
/// exists           = "exists" ":" domain-spec
/// modifier         = redirect / explanation / unknown-modifier
/// redirect         = "redirect" "=" domain-spec
/// </code>
/// Limits of RFC 7208 4.6.4: ten terms that cause DNS queries, two void lookups, ten names per MX or PTR.
/// </summary>
public sealed class SpfEvaluator(DnsAnswers dns)
{
    private const int MaxDnsTerms = 10;
    private const int MaxVoidLookups = 2;

    private sealed class Budget
    {
        public int DnsTerms;
        public int VoidLookups;
    }

    /// <summary>Checks <paramref name="sender"/> (MAIL FROM, or postmaster@HELO for the null sender) from <paramref name="ip"/>.</summary>
    public async Task<SpfResult> CheckAsync(IPAddress ip, string sender, string? helo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ip);
        ArgumentNullException.ThrowIfNull(sender);
        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }
        var at = sender.LastIndexOf('@');
        var domain = at < 0 ? sender : sender[(at + 1)..];
        if (domain.Length == 0 || !Accounts.MailAddress.TryNormalizeDomain(domain, out var ascii))
        {
            return SpfResult.None;
        }
        var context = new Context(ip, at <= 0 ? "postmaster@" + ascii : sender[..at] + "@" + ascii, helo ?? "unknown");
        try
        {
            return await CheckHostAsync(context, ascii, new Budget(), 0, cancellationToken).ConfigureAwait(false);
        }
        catch (DnsTemporaryException)
        {
            return SpfResult.TempError;
        }
        catch (SpfPermanentException)
        {
            return SpfResult.PermError;
        }
    }

    private sealed record Context(IPAddress Ip, string Sender, string Helo);

    private sealed class SpfPermanentException(string message) : Exception(message);

    private async Task<SpfResult> CheckHostAsync(Context context, string domain, Budget budget, int depth, CancellationToken cancellationToken)
    {
        if (depth > MaxDnsTerms)
        {
            throw new SpfPermanentException("SPF recursion too deep");
        }
        var records = (await dns.TxtAsync(domain, cancellationToken).ConfigureAwait(false))
            .Where(t => t.Equals("v=spf1", StringComparison.OrdinalIgnoreCase) || t.StartsWith("v=spf1 ", StringComparison.OrdinalIgnoreCase)).ToList();
        if (records.Count == 0)
        {
            return SpfResult.None;
        }
        if (records.Count > 1)
        {
            throw new SpfPermanentException("more than one SPF record");
        }
        string? redirect = null;
        foreach (var term in records[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var eq = term.IndexOf('=', StringComparison.Ordinal);
            var colon = term.IndexOf(':', StringComparison.Ordinal);
            if (eq > 0 && (colon < 0 || eq < colon))
            {
                var name = term[..eq].ToLowerInvariant();
                if (name == "redirect")
                {
                    redirect ??= term[(eq + 1)..];
                }
                continue; // exp= and unknown modifiers do not affect the result
            }
            var qualifier = term[0] switch
            {
                '+' => SpfResult.Pass,
                '-' => SpfResult.Fail,
                '~' => SpfResult.SoftFail,
                '?' => SpfResult.Neutral,
                _ => (SpfResult?)null,
            };
            var mechanism = qualifier is null ? term : term[1..];
            if (await MatchesAsync(context, domain, mechanism, budget, depth, cancellationToken).ConfigureAwait(false))
            {
                return qualifier ?? SpfResult.Pass;
            }
        }
        if (redirect is not null)
        {
            Count(budget);
            var target = Expand(redirect, context, domain);
            var result = await CheckHostAsync(context, target, budget, depth + 1, cancellationToken).ConfigureAwait(false);
            return result == SpfResult.None ? throw new SpfPermanentException("redirect to a domain without SPF") : result;
        }
        return SpfResult.Neutral;
    }

    private async Task<bool> MatchesAsync(Context context, string domain, string mechanism, Budget budget, int depth, CancellationToken cancellationToken)
    {
        var (name, argument, v4Prefix, v6Prefix) = Split(mechanism);
        switch (name)
        {
            case "all":
                return true;
            case "include":
            {
                Count(budget);
                var target = Expand(Required(argument), context, domain);
                var result = await CheckHostAsync(context, target, budget, depth + 1, cancellationToken).ConfigureAwait(false);
                return result switch
                {
                    SpfResult.Pass => true,
                    SpfResult.TempError => throw new DnsTemporaryException("include: temporary error"),
                    SpfResult.None or SpfResult.PermError => throw new SpfPermanentException("include of a domain without SPF"),
                    _ => false,
                };
            }
            case "a":
            {
                Count(budget);
                var target = argument is null ? domain : Expand(argument, context, domain);
                var addresses = await LookupAsync(target, context.Ip.AddressFamily == AddressFamily.InterNetworkV6, budget, cancellationToken).ConfigureAwait(false);
                return addresses.Any(a => InNetwork(context.Ip, a, v4Prefix, v6Prefix));
            }
            case "mx":
            {
                Count(budget);
                var target = argument is null ? domain : Expand(argument, context, domain);
                var exchanges = await dns.MxAsync(target, cancellationToken).ConfigureAwait(false);
                Void(budget, exchanges.Count);
                if (exchanges.Count > 10)
                {
                    throw new SpfPermanentException("too many MX names");
                }
                foreach (var exchange in exchanges)
                {
                    var addresses = await dns.AddressesAsync(exchange, context.Ip.AddressFamily == AddressFamily.InterNetworkV6, cancellationToken).ConfigureAwait(false);
                    if (addresses.Any(a => InNetwork(context.Ip, a, v4Prefix, v6Prefix)))
                    {
                        return true;
                    }
                }
                return false;
            }
            case "ptr":
            {
                Count(budget);
                var target = argument is null ? domain : Expand(argument, context, domain);
                var names = (await dns.PtrAsync(context.Ip, cancellationToken).ConfigureAwait(false)).Take(10);
                foreach (var ptr in names)
                {
                    if (!ptr.Equals(target, StringComparison.OrdinalIgnoreCase) && !ptr.EndsWith("." + target, StringComparison.OrdinalIgnoreCase))
                    {
                        continue;
                    }
                    var forward = await dns.AddressesAsync(ptr, context.Ip.AddressFamily == AddressFamily.InterNetworkV6, cancellationToken).ConfigureAwait(false);
                    if (forward.Any(a => a.Equals(context.Ip)))
                    {
                        return true;
                    }
                }
                return false;
            }
            case "ip4":
            case "ip6":
            {
                if (argument is null || !IPAddress.TryParse(argument, out var network)
                    || network.AddressFamily != (name == "ip4" ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6))
                {
                    throw new SpfPermanentException($"bad {name} network");
                }
                return InNetwork(context.Ip, network, v4Prefix, v6Prefix);
            }
            case "exists":
            {
                Count(budget);
                var target = Expand(Required(argument), context, domain);
                var found = await dns.AddressesAsync(target, ipv6: false, cancellationToken).ConfigureAwait(false);
                Void(budget, found.Count);
                return found.Count > 0;
            }
            default:
                throw new SpfPermanentException($"unknown mechanism '{name}'");
        }
    }

    private async Task<IReadOnlyList<IPAddress>> LookupAsync(string name, bool ipv6, Budget budget, CancellationToken cancellationToken)
    {
        var found = await dns.AddressesAsync(name, ipv6, cancellationToken).ConfigureAwait(false);
        Void(budget, found.Count);
        return found;
    }

    private static void Count(Budget budget)
    {
        if (++budget.DnsTerms > MaxDnsTerms)
        {
            throw new SpfPermanentException("more than 10 DNS lookups");
        }
    }

    private static void Void(Budget budget, int answers)
    {
        if (answers == 0 && ++budget.VoidLookups > MaxVoidLookups)
        {
            throw new SpfPermanentException("more than 2 void lookups");
        }
    }

    private static string Required(string? argument) => argument ?? throw new SpfPermanentException("mechanism needs a domain");

    /// <summary>"a:example.org/24//64" → ("a", "example.org", 24, 64); "ip4:192.0.2.0/24" → ("ip4", "192.0.2.0", 24, 128).</summary>
    private static (string Name, string? Argument, int V4, int V6) Split(string mechanism)
    {
        var colon = mechanism.IndexOf(':', StringComparison.Ordinal);
        var slash = mechanism.IndexOf('/', StringComparison.Ordinal);
        var nameEnd = colon >= 0 && (slash < 0 || colon < slash) ? colon : slash >= 0 ? slash : mechanism.Length;
        var name = mechanism[..nameEnd].ToLowerInvariant();
        var rest = mechanism[nameEnd..];
        string? argument = null;
        if (rest.StartsWith(':'))
        {
            rest = rest[1..];
            if (name == "ip6")
            {
                // An IPv6 network has colons itself; its prefix length follows the last '/'.
                var p = rest.IndexOf('/', StringComparison.Ordinal);
                argument = p < 0 ? rest : rest[..p];
                rest = p < 0 ? "" : rest[p..];
            }
            else
            {
                var p = rest.IndexOf('/', StringComparison.Ordinal);
                argument = p < 0 ? rest : rest[..p];
                rest = p < 0 ? "" : rest[p..];
            }
        }
        int v4 = 32, v6 = 128;
        if (rest.Length > 0)
        {
            var parts = rest.Split('/');
            // "/24", "//64" or "/24//64"
            if (name == "ip6")
            {
                v6 = Prefix(parts.Length > 1 ? parts[1] : "", 128);
            }
            else
            {
                v4 = Prefix(parts.Length > 1 ? parts[1] : "", 32, allowEmpty: true, fallback: 32);
                if (parts.Length > 3)
                {
                    v6 = Prefix(parts[3], 128);
                }
            }
        }
        return (name, argument, v4, v6);
    }

    private static int Prefix(string text, int max, bool allowEmpty = false, int fallback = 0)
    {
        if (text.Length == 0 && allowEmpty)
        {
            return fallback;
        }
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n > max)
        {
            throw new SpfPermanentException("bad CIDR length");
        }
        return n;
    }

    private static bool InNetwork(IPAddress ip, IPAddress network, int v4Prefix, int v6Prefix)
    {
        if (ip.AddressFamily != network.AddressFamily)
        {
            return false;
        }
        var prefix = ip.AddressFamily == AddressFamily.InterNetwork ? v4Prefix : v6Prefix;
        var a = ip.GetAddressBytes();
        var b = network.GetAddressBytes();
        var full = prefix / 8;
        if (!a.AsSpan(0, full).SequenceEqual(b.AsSpan(0, full)))
        {
            return false;
        }
        var rest = prefix % 8;
        var mask = (byte)(0xFF << (8 - rest));
        return rest == 0 || (a[full] & mask) == (b[full] & mask);
    }

    /// <summary>
    /// Macro expansion (RFC 7208 7):
    /// <code>
    /// macro-expand  = ( "%{" macro-letter transformers *delimiter "}" ) / "%%" / "%_" / "%-"
    /// macro-letter  = "s" / "l" / "o" / "d" / "i" / "p" / "h" / "c" / "r" / "t" / "v"
    /// transformers  = *DIGIT [ "r" ]
    /// delimiter     = "." / "-" / "+" / "," / "/" / "_" / "="
    /// </code>
    /// </summary>
    private static string Expand(string spec, Context context, string domain)
    {
        if (!spec.Contains('%', StringComparison.Ordinal))
        {
            return spec.TrimEnd('.');
        }
        var sb = new StringBuilder();
        for (var i = 0; i < spec.Length; i++)
        {
            if (spec[i] != '%')
            {
                sb.Append(spec[i]);
                continue;
            }
            if (i + 1 >= spec.Length)
            {
                throw new SpfPermanentException("bad macro");
            }
            var next = spec[++i];
            switch (next)
            {
                case '%':
                    sb.Append('%');
                    continue;
                case '_':
                    sb.Append(' ');
                    continue;
                case '-':
                    sb.Append("%20");
                    continue;
                case '{':
                    var close = spec.IndexOf('}', i);
                    if (close < 0)
                    {
                        throw new SpfPermanentException("bad macro");
                    }
                    sb.Append(ExpandMacro(spec[(i + 1)..close], context, domain));
                    i = close;
                    continue;
                default:
                    throw new SpfPermanentException("bad macro");
            }
        }
        return sb.ToString().TrimEnd('.');
    }

    private static string ExpandMacro(string body, Context context, string domain)
    {
        if (body.Length == 0)
        {
            throw new SpfPermanentException("bad macro");
        }
        var at = context.Sender.LastIndexOf('@');
        var value = char.ToLowerInvariant(body[0]) switch
        {
            's' => context.Sender,
            'l' => context.Sender[..at],
            'o' => context.Sender[(at + 1)..],
            'd' => domain,
            'i' => context.Ip.AddressFamily == AddressFamily.InterNetwork
                ? context.Ip.ToString()
                : string.Join('.', Convert.ToHexStringLower(context.Ip.GetAddressBytes()).ToCharArray()),
            'p' => "unknown",
            'v' => context.Ip.AddressFamily == AddressFamily.InterNetwork ? "in-addr" : "ip6",
            'h' => context.Helo,
            _ => throw new SpfPermanentException("bad macro letter"),
        };
        var rest = body[1..];
        var digits = new string(rest.TakeWhile(char.IsAsciiDigit).ToArray());
        rest = rest[digits.Length..];
        var reverse = rest.StartsWith('r') || rest.StartsWith('R');
        if (reverse)
        {
            rest = rest[1..];
        }
        var delimiters = rest.Length == 0 ? ['.'] : rest.ToCharArray();
        if (delimiters.Any(d => !".-+,/_=".Contains(d, StringComparison.Ordinal)))
        {
            throw new SpfPermanentException("bad macro delimiter");
        }
        var parts = value.Split(delimiters).ToList();
        if (reverse)
        {
            parts.Reverse();
        }
        if (digits.Length > 0)
        {
            var keep = int.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
            if (keep == 0)
            {
                throw new SpfPermanentException("bad macro transformer");
            }
            parts = parts.Skip(Math.Max(0, parts.Count - keep)).ToList();
        }
        return string.Join('.', parts);
    }
}
