namespace Serverless.Protocols.Imap;

/// <summary>A parsed SEARCH criterion (RFC 3501 6.4.4, RFC 7162 MODSEQ).</summary>
public abstract record SearchKey;

public sealed record SearchAll : SearchKey
{
    public static SearchAll Instance { get; } = new();
}

/// <summary>A flag or keyword that must be set (<see cref="Set"/>) or not set. \Recent is one too.</summary>
public sealed record SearchFlag(string Flag, bool Set) : SearchKey;

/// <summary>A header field containing a string (FROM, TO, CC, BCC, SUBJECT and HEADER); an empty value matches any message with the field.</summary>
public sealed record SearchHeader(string Field, string Value) : SearchKey;

public sealed record SearchBody(string Value) : SearchKey;

/// <summary>The header or the body contains the string.</summary>
public sealed record SearchText(string Value) : SearchKey;

public enum SearchDateComparison
{
    Before,
    On,
    Since,
}

/// <param name="Sent">True for SENTBEFORE/SENTON/SENTSINCE (Date: header); false for the internal date.</param>
public sealed record SearchDate(bool Sent, SearchDateComparison Comparison, DateOnly Date) : SearchKey;

public sealed record SearchSize(bool Larger, long Size) : SearchKey;

/// <summary>SAVEDBEFORE / SAVEDON / SAVEDSINCE (RFC 8514): the date the message was saved into its folder.</summary>
public sealed record SearchSavedDate(SearchDateComparison Comparison, DateOnly Date) : SearchKey;

/// <summary>OBJECTID (RFC 8474): EMAILID or THREADID equal to <see cref="Id"/>.</summary>
public sealed record SearchObjectId(bool Thread, string Id) : SearchKey;

/// <summary>WITHIN (RFC 5032): the internal date is more (OLDER) or fewer (YOUNGER) than <see cref="Seconds"/> ago.</summary>
public sealed record SearchAge(bool Older, long Seconds) : SearchKey;

/// <summary>A sequence set (<see cref="Uid"/> false) or UID set.</summary>
public sealed record SearchSequence(SequenceSet Set, bool Uid) : SearchKey;

public sealed record SearchNot(SearchKey Key) : SearchKey;

public sealed record SearchOr(SearchKey Left, SearchKey Right) : SearchKey;

public sealed record SearchAnd(IReadOnlyList<SearchKey> Keys) : SearchKey;

/// <summary>CONDSTORE: messages whose MODSEQ is at least this.</summary>
public sealed record SearchModSeq(long ModSeq) : SearchKey;
