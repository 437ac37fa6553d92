namespace Serverless.Mail.Sieve.Language;

/// <summary>What a script decided for one message (RFC 5228 §2.10); the filing carries it out.</summary>
public abstract record SieveAction(int Line);

/// <summary>File into the default folder (INBOX, or Junk when judged spam). <paramref name="Implicit"/>: no action cancelled the implicit keep.</summary>
public sealed record SieveKeep(IReadOnlyList<string> Flags, bool Implicit, int Line) : SieveAction(Line);

public sealed record SieveFileInto(string Folder, bool Create, IReadOnlyList<string> Flags, int Line) : SieveAction(Line);

public sealed record SieveRedirect(string Address, int Line) : SieveAction(Line);

public sealed record SieveDiscard(int Line) : SieveAction(Line);

/// <summary>RFC 5429: refuse the message with this reason (<paramref name="Extended"/>: ereject).</summary>
public sealed record SieveReject(string Reason, bool Extended, int Line) : SieveAction(Line);

/// <summary>RFC 5230: an auto-reply, sent at most once per <paramref name="Days"/> per sender and handle.</summary>
public sealed record SieveVacation(string Reason, string? Subject, string? From, IReadOnlyList<string> Addresses, bool Mime, string Handle, int Days, int Line)
    : SieveAction(Line);
