using Serverless.Mail.Accounts;
using Serverless.Mail.Provisioning.Requests;
using Serverless.Mail.Provisioning.Validation;

namespace Serverless.Mail.Provisioning.Resources;

/// <summary>The paged listing shared by mailboxes and aliases: a limit, a continuation token, optionally one domain.</summary>
internal static class AddressListing
{
    public static async Task<ProvisioningOutcome<(IReadOnlyList<AddressEntry> Items, string? Continuation)>> PageAsync(
        MailDirectory directory, string tenant, AddressPage page, AddressKind kind, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        string? domain = null;
        if (page.Domain is { } d)
        {
            if (!DomainRules.TryNormalize(d, out var ascii, out _) || await directory.GetDomainAsync(tenant, ascii, cancellationToken) is null)
            {
                return ProvisioningError.NotFound($"Domain '{d}' not found.");
            }
            domain = ascii;
        }
        try
        {
            return await directory.ListTenantAddressesAsync(tenant, kind, domain, page.ContinuationToken, page.Limit, cancellationToken);
        }
        catch (FormatException)
        {
            return ProvisioningError.Invalid("continuationToken", "is not a token this API returned.");
        }
    }
}
