namespace Serverless.Mail.Sieve.Language;

public enum SieveMatchType
{
    Is,
    Contains,
    Matches,
    Count,
    Value,
}

/// <summary>
/// A checked command or test, ready to run: its tags (name → argument, null for a tag without one),
/// its positional arguments with the omitted optional ones as null, and the options every
/// matching test shares, resolved once at compile time.
/// </summary>
public sealed class SieveCall
{
    public required string Name { get; init; }

    public required int Line { get; init; }

    public required IReadOnlyDictionary<string, SieveArgument?> Tags { get; init; }

    public required IReadOnlyList<SieveArgument?> Positional { get; init; }

    public IReadOnlyList<SieveCall> Tests { get; init; } = [];

    public IReadOnlyList<SieveCall>? Block { get; init; }

    public string Comparator { get; init; } = "i;ascii-casemap";

    public SieveMatchType Match { get; init; } = SieveMatchType.Is;

    /// <summary>The relational operator of :count/:value (gt, ge, lt, le, eq, ne).</summary>
    public string? Relation { get; init; }

    /// <summary>all, localpart or domain.</summary>
    public string AddressPart { get; init; } = "all";

    public bool Has(string tag) => Tags.ContainsKey(tag);

    public IReadOnlyList<string> Strings(int position) => ((SieveStrings?)Positional[position])?.Values ?? [];

    public string? String(int position) => ((SieveStrings?)Positional[position])?.Values[0];

    public IReadOnlyList<string>? TagStrings(string tag) => Tags.TryGetValue(tag, out var a) ? ((SieveStrings?)a)?.Values : null;

    public string? TagString(string tag) => TagStrings(tag)?[0];

    public long? TagNumber(string tag) => Tags.TryGetValue(tag, out var a) ? (a as SieveNumber)?.Value : null;
}

/// <summary>A compiled script: immutable, shared by every message it runs on (cached by version).</summary>
public sealed class SieveScript
{
    public required IReadOnlyList<SieveCall> Commands { get; init; }

    /// <summary>The extensions named in require.</summary>
    public required IReadOnlySet<string> Extensions { get; init; }
}
