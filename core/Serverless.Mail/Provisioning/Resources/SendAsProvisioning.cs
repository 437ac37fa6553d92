using Serverless.Mail.Accounts;
using Serverless.Mail.Provisioning.Requests;
using Serverless.Mail.Provisioning.Validation;

namespace Serverless.Mail.Provisioning.Resources;

/// <summary>
/// Send-as grants: addresses of the same tenant a mailbox may put in From:/Sender: (and MAIL FROM)
/// on submission besides its own and the aliases that deliver to it. A grant never leaves the
/// tenant: its address must be in one of the tenant's domains, and it stops counting if that
/// domain stops being the tenant's. Stored on the mailbox row (docs/storage.md).
/// </summary>
public sealed class SendAsProvisioning(MailDirectory directory)
{
    public async Task<ProvisioningOutcome<SendAsView>> GrantAsync(string tenant, string mailbox, GrantSendAs request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (await FindAsync(tenant, mailbox, cancellationToken) is not { } owner)
        {
            return NotFound(mailbox);
        }
        if (!AddressRules.TryParseHosted(request.Address, out var granted, out var error))
        {
            return ProvisioningError.Invalid("address", error);
        }
        if (await MailboxProvisioning.OwnDomainAsync(directory, tenant, granted.Domain, "address", cancellationToken) is { } notOwn)
        {
            return notOwn;
        }
        var self = MailAddress.Parse(owner.Address);
        if (granted == self)
        {
            return ProvisioningError.Invalid("address", "is the mailbox's own address, which it may always send as.");
        }
        return await directory.GrantSendAsAsync(tenant, self, granted, cancellationToken) switch
        {
            SendAsChange.Done => new SendAsView(owner.Address, granted.Address),
            SendAsChange.AlreadyGranted => ProvisioningError.Conflict($"'{owner.Address}' may send as '{granted.Address}' already."),
            SendAsChange.TooMany => ProvisioningError.Conflict($"'{owner.Address}' has {MailDirectory.MaxSendAsGrants} send-as grants, the most a mailbox may have."),
            _ => NotFound(mailbox),
        };
    }

    public async Task<ProvisioningOutcome<ListView<SendAsView>>> ListAsync(string tenant, string mailbox, CancellationToken cancellationToken)
    {
        if (await FindAsync(tenant, mailbox, cancellationToken) is not { } owner)
        {
            return NotFound(mailbox);
        }
        return new ListView<SendAsView>(owner.SendAs.Select(a => new SendAsView(owner.Address, a)).ToList(), null);
    }

    public async Task<ProvisioningOutcome<Done>> RevokeAsync(string tenant, string mailbox, string granted, CancellationToken cancellationToken)
    {
        if (await FindAsync(tenant, mailbox, cancellationToken) is not { } owner)
        {
            return NotFound(mailbox);
        }
        if (!AddressRules.TryParseHosted(granted, out var address, out _)
            || await directory.RevokeSendAsAsync(tenant, MailAddress.Parse(owner.Address), address, cancellationToken) != SendAsChange.Done)
        {
            return ProvisioningError.NotFound($"'{owner.Address}' has no send-as grant for '{granted}'.");
        }
        return Done.Instance;
    }

    private async Task<MailboxRecord?> FindAsync(string tenant, string address, CancellationToken cancellationToken) =>
        AddressRules.TryParseHosted(address, out var parsed, out _) ? await directory.GetMailboxAsync(tenant, parsed, cancellationToken) : null;

    private static ProvisioningError NotFound(string address) => ProvisioningError.NotFound($"Mailbox '{address}' not found.");
}
