namespace Serverless.Protocols.Pop3;

/// <summary>The POP3 command keywords this server knows (RFC 1939, RFC 2449 CAPA, RFC 5034 AUTH, RFC 2595 STLS).</summary>
public enum Pop3CommandKind
{
    Unknown,
    User,
    Pass,
    Apop,
    Auth,
    Stls,
    Capa,
    Stat,
    List,
    Retr,
    Dele,
    Noop,
    Rset,
    Top,
    Uidl,
    Quit,
}

/// <summary>
/// One parsed command line. <see cref="Error"/> is set when the keyword was recognised but its
/// arguments were not valid: the session answers <c>-ERR</c> with it and goes on.
/// </summary>
public sealed record Pop3Command(Pop3CommandKind Kind)
{
    /// <summary>The keyword as sent (upper-cased), also for unknown commands, for logs and replies.</summary>
    public string Keyword { get; init; } = "";

    /// <summary>USER name, PASS password (the rest of the line), AUTH mechanism, APOP name.</summary>
    public string? Argument { get; init; }

    /// <summary>AUTH's optional initial response (base64 or "=" for an empty one).</summary>
    public string? Argument2 { get; init; }

    /// <summary>The message number of LIST/RETR/DELE/TOP/UIDL, when given.</summary>
    public int? Message { get; init; }

    /// <summary>TOP's number of body lines.</summary>
    public int Lines { get; init; }

    public string? Error { get; init; }

    public bool IsValid => Error is null;

    /// <summary>True for commands whose arguments are secrets (never logged).</summary>
    public bool CarriesSecret => Kind is Pop3CommandKind.Pass or Pop3CommandKind.Auth or Pop3CommandKind.Apop;
}
