namespace Serverless.Protocols.Imap;

/// <summary>A parsed command. <see cref="Name"/> is upper case without the UID prefix; <see cref="Uid"/> marks the UID form.</summary>
public sealed record ImapCommand(string Tag, string Name, ImapArguments Arguments)
{
    public bool Uid { get; init; }

    /// <summary>"FETCH" or "UID FETCH": the key of the session's command table.</summary>
    public string Key => Uid ? "UID " + Name : Name;
}

/// <summary>Arguments of one command kind.</summary>
public abstract record ImapArguments;

public sealed record NoArguments : ImapArguments
{
    public static NoArguments Instance { get; } = new();
}

public sealed record LoginArguments(string User, string Password) : ImapArguments
{
    // Never print the password (commands end up in logs).
    public override string ToString() => $"LoginArguments {{ User = {User}, Password = *** }}";
}

/// <param name="InitialResponse">SASL-IR (RFC 4959): base64, or "=" for an empty response; null when absent.</param>
public sealed record AuthenticateArguments(string Mechanism, string? InitialResponse) : ImapArguments
{
    public override string ToString() => $"AuthenticateArguments {{ Mechanism = {Mechanism} }}";
}

/// <summary>CREATE, DELETE, SUBSCRIBE, UNSUBSCRIBE.</summary>
public sealed record MailboxArguments(string Mailbox) : ImapArguments;

/// <summary>CREATE: the name and the special uses asked for (CREATE-SPECIAL-USE, RFC 6154), as sent.</summary>
public sealed record CreateArguments(string Mailbox, IReadOnlyList<string> Uses) : ImapArguments;

/// <summary>GETQUOTA / SETQUOTA: a quota root name (RFC 2087).</summary>
public sealed record QuotaRootArguments(string Root) : ImapArguments;

public sealed record SelectArguments(string Mailbox, bool CondStore) : ImapArguments
{
    /// <summary>RFC 7162 QRESYNC parameters, or null.</summary>
    public QResyncParameters? QResync { get; init; }
}

/// <summary>What a QRESYNC client remembers of the mailbox (RFC 7162 3.2.5).</summary>
/// <param name="KnownUids">UIDs the client knows, or null for "all up to the last one".</param>
public sealed record QResyncParameters(long UidValidity, long ModSeq, SequenceSet? KnownUids);

public sealed record RenameArguments(string From, string To) : ImapArguments;

/// <summary>LIST (with RFC 5258 / 5819 / 6154 options) and LSUB.</summary>
/// <param name="Patterns">Empty when no pattern can match (none was valid modified UTF-7).</param>
public sealed record ListArguments(string Reference, IReadOnlyList<string> Patterns) : ImapArguments
{
    /// <summary>True when any LIST-EXTENDED syntax was used (selection options, several patterns, RETURN).</summary>
    public bool Extended { get; init; }

    public bool SelectSubscribed { get; init; }

    public bool SelectRecursiveMatch { get; init; }

    public bool SelectSpecialUse { get; init; }

    public bool ReturnSubscribed { get; init; }

    public bool ReturnChildren { get; init; }

    public bool ReturnSpecialUse { get; init; }

    /// <summary>LIST-STATUS (RFC 5819): STATUS items to return for each listed mailbox.</summary>
    public IReadOnlyList<string>? ReturnStatus { get; init; }
}

public sealed record StatusArguments(string Mailbox, IReadOnlyList<string> Items) : ImapArguments;

/// <param name="Message">The message literal: usually <see cref="ImapSegmentKind.External"/> (streamed to storage by the session).</param>
/// <summary>APPEND: the first message's flags, date and literal, and with MULTIAPPEND all of them in <see cref="Parts"/>.</summary>
public sealed record AppendArguments(string Mailbox, IReadOnlyList<string> Flags, DateTimeOffset? InternalDate, ImapFrameSegment Message) : ImapArguments
{
    public IReadOnlyList<AppendPart> Parts { get; init; } = [new AppendPart(Flags, InternalDate, Message)];
}

/// <summary>One message of an APPEND (MULTIAPPEND, RFC 3502).</summary>
public sealed record AppendPart(IReadOnlyList<string> Flags, DateTimeOffset? InternalDate, ImapFrameSegment Message)
{
    /// <summary>CATENATE (RFC 4469): the message is these parts in order, and <see cref="Message"/> is empty.</summary>
    public IReadOnlyList<CatenatePart>? Catenate { get; init; }
}

/// <summary>A CATENATE part: a text literal, or an IMAP URL whose bytes are copied.</summary>
public sealed record CatenatePart(ImapFrameSegment? Text, string? Url);

public sealed record FetchArguments(SequenceSet Set, IReadOnlyList<FetchItem> Items) : ImapArguments
{
    /// <summary>CONDSTORE CHANGEDSINCE modifier.</summary>
    public long? ChangedSince { get; init; }

    /// <summary>QRESYNC VANISHED modifier (UID FETCH with CHANGEDSINCE only).</summary>
    public bool Vanished { get; init; }
}

public enum StoreMode
{
    Replace,
    Add,
    Remove,
}

public sealed record StoreArguments(SequenceSet Set, StoreMode Mode, bool Silent, IReadOnlyList<string> Flags) : ImapArguments
{
    /// <summary>CONDSTORE UNCHANGEDSINCE modifier.</summary>
    public long? UnchangedSince { get; init; }
}

public sealed record SearchArguments(string? Charset, SearchKey Key) : ImapArguments
{
    /// <summary>RFC 4731 RETURN options (MIN, MAX, ALL, COUNT): answer with ESEARCH; null for a plain SEARCH.</summary>
    public IReadOnlyList<string>? Return { get; init; }

    /// <summary>RFC 5267 PARTIAL's range, when <see cref="Return"/> has PARTIAL.</summary>
    public PartialRange? Partial { get; init; }
}

/// <summary>A sort criterion of RFC 5256 (and RFC 5957 DISPLAYFROM / DISPLAYTO), optionally reversed.</summary>
public sealed record SortCriterion(string Key, bool Reverse);

/// <summary>SORT / UID SORT (RFC 5256).</summary>
public sealed record SortArguments(IReadOnlyList<SortCriterion> Criteria, string Charset, SearchKey Key) : ImapArguments
{
    /// <summary>RFC 5267 ESORT: RETURN options as for SEARCH; null for a plain SORT.</summary>
    public IReadOnlyList<string>? Return { get; init; }

    /// <summary>RFC 5267 PARTIAL's range, when <see cref="Return"/> has PARTIAL.</summary>
    public PartialRange? Partial { get; init; }
}

/// <summary>THREAD / UID THREAD (RFC 5256); <see cref="Algorithm"/> is REFERENCES or ORDEREDSUBJECT.</summary>
public sealed record ThreadArguments(string Algorithm, string Charset, SearchKey Key) : ImapArguments;

/// <summary>CANCELUPDATE (RFC 5267): the tags of the searches whose updates should stop.</summary>
public sealed record CancelUpdateArguments(IReadOnlyList<string> Tags) : ImapArguments;

/// <summary>COPY and MOVE.</summary>
public sealed record CopyArguments(SequenceSet Set, string Mailbox) : ImapArguments;

/// <summary>EXPUNGE, and UID EXPUNGE with its UID set (UIDPLUS).</summary>
public sealed record ExpungeArguments(SequenceSet? UidSet) : ImapArguments;

public sealed record EnableArguments(IReadOnlyList<string> Capabilities) : ImapArguments;

/// <param name="Fields">Null for "ID NIL".</param>
public sealed record IdArguments(IReadOnlyList<KeyValuePair<string, string?>>? Fields) : ImapArguments;

/// <summary>COMPRESS (RFC 4978): the algorithm asked for, upper case.</summary>
public sealed record CompressArguments(string Algorithm) : ImapArguments;
