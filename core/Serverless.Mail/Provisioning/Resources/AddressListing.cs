using Serverless.Mail.Accounts;
using Serverless.Mail.Provisioning.Api;
using Serverless.Mail.Provisioning.Validation;

namespace Serverless.Mail.Provisioning.Resources;

/// <summary>The paged listing shared by mailboxes and aliases: ?limit= (1–1000), ?continuationToken=, ?domain=.</summary>
internal static class AddressListing
{
    public static async Task<(IReadOnlyList<AddressEntry> Items, string? Continuation)> PageAsync(MailDirectory directory, ApiContext call, AddressKind kind)
    {
        var limit = QueryParameters.Limit(call.Request);
        var token = QueryParameters.Text(call.Request, "continuationToken");
        string? domain = null;
        if (QueryParameters.Text(call.Request, "domain") is { } d)
        {
            if (!DomainRules.TryNormalize(d, out var ascii, out _) || await directory.GetDomainAsync(call.Tenant, ascii, call.Cancellation) is null)
            {
                throw new ApiProblemException(ApiProblem.NotFound($"Domain '{d}' not found."));
            }
            domain = ascii;
        }
        try
        {
            return await directory.ListTenantAddressesAsync(call.Tenant, kind, domain, token, limit, call.Cancellation);
        }
        catch (FormatException)
        {
            throw new ApiProblemException(ApiProblem.Invalid("continuationToken", "is not a token this API returned."));
        }
    }
}
