using System.Globalization;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 2087 QUOTA, read-only: one quota root per mailbox account, named "" (as Dovecot does),
/// with the STORAGE resource in units of 1024 octets, from the account's quota and the usage
/// counters of the index (one point read). An account without a quota has no quota root.
/// Quotas are set by the operator through the provisioning API, so SETQUOTA is refused.
/// <code>
/// quotaroot_response = "QUOTAROOT" SP mailbox *(SP quota-root-name)
/// quota_response     = "QUOTA" SP quota-root-name SP "(" quota-resource *(SP quota-resource) ")"
/// quota-resource     = resource-name SP resource-usage SP resource-limit
/// </code>
/// </summary>
internal sealed class QuotaCommand(QuotaCommand.Kind kind) : IImapCommand
{
    private const string Root = "";

    public enum Kind
    {
        GetQuotaRoot,
        GetQuota,
        SetQuota,
    }

    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var account = session.State.User!;
        switch (kind)
        {
            case Kind.SetQuota:
                return ImapResult.No("Quotas are set by the operator, not over IMAP", "NOPERM");
            case Kind.GetQuota:
                if (((QuotaRootArguments)command.Arguments).Root != Root || account.QuotaBytes <= 0)
                {
                    return ImapResult.No("No such quota root", "NONEXISTENT");
                }
                await WriteQuotaAsync(session, account.MailboxId, account.QuotaBytes, cancellationToken);
                return ImapResult.Ok("GETQUOTA completed");
            default:
                var name = ((MailboxArguments)command.Arguments).Mailbox;
                var folder = await FolderLookup.FindAsync(session, name, cancellationToken);
                if (folder is null)
                {
                    return ImapResult.No("Mailbox does not exist", "NONEXISTENT");
                }
                ImapWire.Raw(session.Output, "* QUOTAROOT "u8);
                session.WriteMailbox(folder.Name);
                if (account.QuotaBytes > 0)
                {
                    ImapWire.Raw(session.Output, " \"\""u8);
                }
                ImapWire.Raw(session.Output, "\r\n"u8);
                if (account.QuotaBytes > 0)
                {
                    await WriteQuotaAsync(session, account.MailboxId, account.QuotaBytes, cancellationToken);
                }
                return ImapResult.Ok("GETQUOTAROOT completed");
        }
    }

    private static async Task WriteQuotaAsync(ImapSession session, string mailboxId, long quotaBytes, CancellationToken cancellationToken)
    {
        var usage = await session.Services.Index.GetUsageAsync(mailboxId, cancellationToken);
        var usedKiB = ((usage?.Bytes ?? 0) + 1023) / 1024;
        session.WriteLine(string.Create(CultureInfo.InvariantCulture, $"* QUOTA \"\" (STORAGE {usedKiB} {quotaBytes / 1024})"));
    }
}
