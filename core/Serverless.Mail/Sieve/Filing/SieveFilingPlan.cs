using Serverless.Mail.Sieve.Language;

namespace Serverless.Mail.Sieve.Filing;

/// <summary>One stored copy a script asked for: the folder (resolved, created with :create) and the flags it starts with.</summary>
public sealed record SieveCopy(int FolderId, IReadOnlyList<string> Flags);

/// <summary>
/// What a mailbox's script decided for one message, folders resolved: the copies to store (none after
/// discard, reject or a redirect without :copy), the redirect targets, a refusal reason, a vacation reply.
/// <see cref="Error"/> is set when the script failed: then the plan is one INBOX copy and nothing else.
/// </summary>
public sealed record SieveFilingPlan(IReadOnlyList<SieveCopy> Copies, IReadOnlyList<string> Redirects, string? Reject, SieveVacation? Vacation,
    string? Error, string Version);
