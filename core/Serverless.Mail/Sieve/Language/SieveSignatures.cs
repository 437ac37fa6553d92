namespace Serverless.Mail.Sieve.Language;

internal enum SieveArgKind
{
    String,
    StringList,
    Number,
}

internal enum SieveTestArity
{
    None,
    One,
    List,
}

/// <summary>What a tag takes and which extension it belongs to; tags of one group exclude each other.</summary>
internal sealed record SieveTagSpec(SieveArgKind? Argument, string? Group, string? Extension = null);

/// <summary>
/// One command or test: the extension that must be required for it, its tags, its positional
/// arguments (the first <c>Positional.Length - MinPositional</c> are optional and omitted from the
/// front), whether it takes tests and a block.
/// </summary>
internal sealed record SieveSignature(string? Extension, string[] Tags, SieveArgKind[] Positional, int MinPositional, SieveTestArity Tests = SieveTestArity.None,
    bool Block = false);

/// <summary>The language this interpreter knows: RFC 5228 plus the extensions listed in <see cref="Extensions"/>.</summary>
internal static class SieveSignatures
{
    public static readonly HashSet<string> Extensions = new(SieveCapabilities.Extensions, StringComparer.Ordinal);

    public static readonly Dictionary<string, SieveTagSpec> TagSpecs = new(StringComparer.Ordinal)
    {
        ["is"] = new(null, "match"),
        ["contains"] = new(null, "match"),
        ["matches"] = new(null, "match"),
        ["count"] = new(SieveArgKind.String, "match", "relational"),
        ["value"] = new(SieveArgKind.String, "match", "relational"),
        ["comparator"] = new(SieveArgKind.String, "comparator"),
        ["all"] = new(null, "address-part"),
        ["localpart"] = new(null, "address-part"),
        ["domain"] = new(null, "address-part"),
        ["over"] = new(SieveArgKind.Number, "size"),
        ["under"] = new(SieveArgKind.Number, "size"),
        ["copy"] = new(null, null, "copy"),
        ["create"] = new(null, null, "mailbox"),
        ["flags"] = new(SieveArgKind.StringList, null, "imap4flags"),
        ["raw"] = new(null, "transform"),
        ["text"] = new(null, "transform"),
        ["content"] = new(SieveArgKind.StringList, "transform"),
        ["zone"] = new(SieveArgKind.String, "zone"),
        ["originalzone"] = new(null, "zone"),
        ["days"] = new(SieveArgKind.Number, null),
        ["subject"] = new(SieveArgKind.String, null),
        ["from"] = new(SieveArgKind.String, null),
        ["addresses"] = new(SieveArgKind.StringList, null),
        ["mime"] = new(null, null),
        ["handle"] = new(SieveArgKind.String, null),
        ["lower"] = new(null, "case"),
        ["upper"] = new(null, "case"),
        ["lowerfirst"] = new(null, "casefirst"),
        ["upperfirst"] = new(null, "casefirst"),
        ["quotewildcard"] = new(null, "quote"),
        ["length"] = new(null, "length"),
    };

    private static readonly string[] Match = ["is", "contains", "matches", "count", "value", "comparator"];
    private static readonly string[] AddressMatch = [.. Match, "all", "localpart", "domain"];
    private static readonly SieveArgKind[] TwoLists = [SieveArgKind.StringList, SieveArgKind.StringList];

    public static readonly Dictionary<string, SieveSignature> Commands = new(StringComparer.Ordinal)
    {
        ["require"] = new(null, [], [SieveArgKind.StringList], 1),
        ["if"] = new(null, [], [], 0, SieveTestArity.One, Block: true),
        ["elsif"] = new(null, [], [], 0, SieveTestArity.One, Block: true),
        ["else"] = new(null, [], [], 0, Block: true),
        ["stop"] = new(null, [], [], 0),
        ["keep"] = new(null, ["flags"], [], 0),
        ["discard"] = new(null, [], [], 0),
        ["redirect"] = new(null, ["copy"], [SieveArgKind.String], 1),
        ["fileinto"] = new("fileinto", ["copy", "create", "flags"], [SieveArgKind.String], 1),
        ["reject"] = new("reject", [], [SieveArgKind.String], 1),
        ["ereject"] = new("ereject", [], [SieveArgKind.String], 1),
        ["setflag"] = new("imap4flags", [], [SieveArgKind.String, SieveArgKind.StringList], 1),
        ["addflag"] = new("imap4flags", [], [SieveArgKind.String, SieveArgKind.StringList], 1),
        ["removeflag"] = new("imap4flags", [], [SieveArgKind.String, SieveArgKind.StringList], 1),
        ["set"] = new("variables", ["lower", "upper", "lowerfirst", "upperfirst", "quotewildcard", "length"], [SieveArgKind.String, SieveArgKind.String], 2),
        ["vacation"] = new("vacation", ["days", "subject", "from", "addresses", "mime", "handle"], [SieveArgKind.String], 1),
    };

    public static readonly Dictionary<string, SieveSignature> Tests = new(StringComparer.Ordinal)
    {
        ["address"] = new(null, AddressMatch, TwoLists, 2),
        ["envelope"] = new("envelope", AddressMatch, TwoLists, 2),
        ["header"] = new(null, Match, TwoLists, 2),
        ["exists"] = new(null, [], [SieveArgKind.StringList], 1),
        ["size"] = new(null, ["over", "under"], [], 0),
        ["allof"] = new(null, [], [], 0, SieveTestArity.List),
        ["anyof"] = new(null, [], [], 0, SieveTestArity.List),
        ["not"] = new(null, [], [], 0, SieveTestArity.One),
        ["true"] = new(null, [], [], 0),
        ["false"] = new(null, [], [], 0),
        ["body"] = new("body", [.. Match, "raw", "content", "text"], [SieveArgKind.StringList], 1),
        ["date"] = new("date", [.. Match, "zone", "originalzone"], [SieveArgKind.String, SieveArgKind.String, SieveArgKind.StringList], 3),
        ["currentdate"] = new("date", [.. Match, "zone"], [SieveArgKind.String, SieveArgKind.StringList], 2),
        ["hasflag"] = new("imap4flags", Match, TwoLists, 1),
        ["string"] = new("variables", Match, TwoLists, 2),
    };

    public static readonly HashSet<string> DateParts = new(StringComparer.OrdinalIgnoreCase)
    {
        "year", "month", "day", "date", "julian", "hour", "minute", "second", "time", "iso8601", "std11", "zone", "weekday",
    };

    public static readonly HashSet<string> Relations = new(StringComparer.OrdinalIgnoreCase) { "gt", "ge", "lt", "le", "eq", "ne" };
}
