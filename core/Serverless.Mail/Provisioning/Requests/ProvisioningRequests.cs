namespace Serverless.Mail.Provisioning.Requests;

// What the provisioning services take: plain values, already checked for shape (types, lengths,
// required fields) by whoever parsed them; the services check the rules of the domain.

public sealed record CreateTenant(string Id, string? DisplayName);

public sealed record CreateDomain(string Name);

/// <param name="QuotaBytes">Null: unlimited (0).</param>
public sealed record CreateMailbox(string Address, string Password, string? DisplayName, long? QuotaBytes);

/// <summary>Fields to change; null leaves one as it is.</summary>
public sealed record UpdateMailbox(string? DisplayName, long? QuotaBytes, bool? Enabled);

public sealed record SetPassword(string Password);

/// <summary>Let a mailbox send as another address of its tenant.</summary>
public sealed record GrantSendAs(string Address);

public sealed record CreateAlias(string Address, IReadOnlyList<string> Targets);

/// <summary>A page of a tenant's mailboxes or aliases; <paramref name="Domain"/> narrows it to one domain.</summary>
public sealed record AddressPage(int Limit, string? ContinuationToken, string? Domain);

/// <summary>A tenant's spam settings, replaced whole: thresholds (null = the service's default) and allow/block lists.</summary>
public sealed record SetSpamSettings(double? JunkScore, double? RejectScore, IReadOnlyList<string> Allow, IReadOnlyList<string> Block);
