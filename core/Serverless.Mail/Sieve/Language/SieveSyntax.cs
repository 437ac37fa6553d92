namespace Serverless.Mail.Sieve.Language;

/// <summary>An argument as written: a string list (or one string), a number or a tag.</summary>
public abstract record SieveArgument(int Line);

/// <summary><paramref name="Bracketed"/>: written as <c>[...]</c> (a single string may stand for a one-element list, not the reverse).</summary>
public sealed record SieveStrings(IReadOnlyList<string> Values, bool Bracketed, int Line) : SieveArgument(Line);

public sealed record SieveNumber(long Value, int Line) : SieveArgument(Line);

/// <summary>A tag such as <c>:contains</c>, by its lower-case name without the colon.</summary>
public sealed record SieveTag(string Name, int Line) : SieveArgument(Line);

/// <summary>A test (RFC 5228 §8.2 <c>test = identifier arguments</c>).</summary>
public sealed record SieveTestNode(string Name, IReadOnlyList<SieveArgument> Arguments, IReadOnlyList<SieveTestNode> Tests, int Line);

/// <summary>A command with its block, if any (RFC 5228 §8.2 <c>command = identifier arguments (";" / block)</c>).</summary>
public sealed record SieveCommandNode(string Name, IReadOnlyList<SieveArgument> Arguments, IReadOnlyList<SieveTestNode> Tests,
    IReadOnlyList<SieveCommandNode>? Block, int Line);
