namespace Serverless.Mail.Outbound;

public enum MtaStsMode
{
    None,
    Testing,
    Enforce,
}

/// <summary>
/// An MTA-STS policy (RFC 8461 3.2): which MX hosts are legitimate and whether TLS with a valid
/// certificate is required to reach them.
/// <code>
/// sts-policy  = "version: STSv1" CRLF "mode: " ("enforce" / "testing" / "none") CRLF
///               1*("mx: " mx-pattern CRLF) "max_age: " 1*10DIGIT CRLF   ; fields in any order
/// mx-pattern  = [ "*." ] domain
/// </code>
/// </summary>
public sealed record MtaStsPolicy(MtaStsMode Mode, IReadOnlyList<string> MxPatterns, TimeSpan MaxAge)
{
    public const int MaxPolicyBytes = 64 * 1024;

    /// <summary>Parses a policy body; null when it is not a valid STSv1 policy.</summary>
    public static MtaStsPolicy? Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string? version = null;
        MtaStsMode? mode = null;
        long? maxAge = null;
        var mx = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }
            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            switch (key)
            {
                case "version":
                    version = value;
                    break;
                case "mode":
                    mode = value switch
                    {
                        "enforce" => MtaStsMode.Enforce,
                        "testing" => MtaStsMode.Testing,
                        "none" => MtaStsMode.None,
                        _ => null,
                    };
                    break;
                case "mx":
                    mx.Add(value.ToLowerInvariant().TrimEnd('.'));
                    break;
                case "max_age":
                    if (long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
                    {
                        maxAge = Math.Min(seconds, 31_557_600);
                    }
                    break;
            }
        }
        if (version != "STSv1" || mode is null || maxAge is null || (mode != MtaStsMode.None && mx.Count == 0))
        {
            return null;
        }
        return new MtaStsPolicy(mode.Value, mx, TimeSpan.FromSeconds(maxAge.Value));
    }

    /// <summary>RFC 8461 4.1: an exact name, or "*.example.com" standing for exactly one more label on the left.</summary>
    public bool Matches(string mxHost)
    {
        var host = mxHost.ToLowerInvariant().TrimEnd('.');
        foreach (var pattern in MxPatterns)
        {
            if (pattern.StartsWith("*.", StringComparison.Ordinal))
            {
                var suffix = pattern[1..];
                if (host.EndsWith(suffix, StringComparison.Ordinal) && host.Length > suffix.Length && !host[..^suffix.Length].Contains('.', StringComparison.Ordinal))
                {
                    return true;
                }
            }
            else if (host == pattern)
            {
                return true;
            }
        }
        return false;
    }
}
