using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Mail.Provisioning.Api;
using Serverless.Mail.Provisioning.Validation;

namespace Serverless.Mail.Provisioning.Resources;

/// <summary>/tenants/{tenant}/mailboxes: accounts in the tenant's domains, with usage, quota and password.</summary>
public sealed class MailboxProvisioning(ApiGate gate, MailDirectory directory, MailboxIndex index, MailboxRemoval removal, ProvisioningOptions options)
{
    public Task<IActionResult> CreateAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var body = await RequestBody.ReadAsync(request, ProvisioningSchemas.CreateMailbox, call.Cancellation);
        if (!AddressRules.TryParseHosted(body.GetString("address"), out var address, out var error))
        {
            throw new ApiProblemException(ApiProblem.Invalid("address", error));
        }
        await RequireOwnDomainAsync(call, address.Domain, "address");
        var password = body.GetString("password")!;
        CheckPassword(password);
        var displayName = body.GetString("displayName");
        TextRules.RequireNoControlCharacters("displayName", displayName);
        var created = await directory.CreateMailboxAsync(call.Tenant, address, password, displayName, body.GetInt64("quotaBytes") ?? 0, call.Cancellation);
        return ApiResult.Created($"/api/tenants/{tenant}/mailboxes/{Uri.EscapeDataString(created.Address)}", MailboxView.From(created));
    });

    /// <summary>A page of the tenant's mailboxes (?limit=, ?continuationToken=, ?domain=).</summary>
    public Task<IActionResult> ListAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var (items, next) = await AddressListing.PageAsync(directory, call, AddressKind.Mailbox);
        return ApiResult.Ok(new ListView<MailboxView>(items.OfType<AddressEntry.Mailbox>().Select(m => MailboxView.From(m.Record)).ToList(), next));
    });

    public Task<IActionResult> GetAsync(HttpRequest request, string tenant, string address) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var m = await FindAsync(call, address);
        var usage = await index.GetUsageAsync(m.MailboxId, call.Cancellation) ?? new MailboxUsage(0, 0);
        return ApiResult.Ok(new MailboxDetailView(m.Address, m.DisplayName, m.QuotaBytes, m.Enabled, m.CreatedAt, new UsageView(usage.Messages, usage.Bytes)));
    });

    public Task<IActionResult> UpdateAsync(HttpRequest request, string tenant, string address) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var body = await RequestBody.ReadAsync(request, ProvisioningSchemas.UpdateMailbox, call.Cancellation);
        if (!body.Has("displayName") && !body.Has("quotaBytes") && !body.Has("enabled"))
        {
            throw new ApiProblemException(ApiProblem.Invalid("body", "must change at least one of displayName, quotaBytes, enabled."));
        }
        var displayName = body.GetString("displayName");
        TextRules.RequireNoControlCharacters("displayName", displayName);
        var updated = await directory.UpdateMailboxAsync(call.Tenant, ParseOrNotFound(address), displayName, body.GetInt64("quotaBytes"), body.GetBoolean("enabled"), call.Cancellation)
            ?? throw NotFound(address);
        return ApiResult.Ok(MailboxView.From(updated));
    });

    public Task<IActionResult> SetPasswordAsync(HttpRequest request, string tenant, string address) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var body = await RequestBody.ReadAsync(request, ProvisioningSchemas.SetPassword, call.Cancellation);
        var password = body.GetString("password")!;
        CheckPassword(password);
        if (!await directory.SetPasswordAsync(call.Tenant, ParseOrNotFound(address), password, call.Cancellation))
        {
            throw NotFound(address);
        }
        return ApiResult.NoContent();
    });

    /// <summary>204 when everything is gone; 202 when the contents of a large mailbox go on being removed in the background.</summary>
    public Task<IActionResult> DeleteAsync(HttpRequest request, string tenant, string address) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var m = await FindAsync(call, address);
        var outcome = await removal.RemoveAsync(m, allowInline: true, call.Cancellation);
        return outcome == MailboxRemovalOutcome.Removed ? ApiResult.NoContent() : ApiResult.Accepted(new MailboxDeletionView(m.Address, "removing"));
    });

    private void CheckPassword(string password)
    {
        if (password.Length < options.MinPasswordLength)
        {
            throw new ApiProblemException(ApiProblem.Invalid("password", $"must be at least {options.MinPasswordLength} characters long."));
        }
        TextRules.RequireNoControlCharacters("password", password);
    }

    private async Task<MailboxRecord> FindAsync(ApiContext call, string address)
    {
        MailboxRecord? m = null;
        if (AddressRules.TryParseHosted(address, out var parsed, out _))
        {
            m = await directory.GetMailboxAsync(call.Tenant, parsed, call.Cancellation);
        }
        return m ?? throw NotFound(address);
    }

    private static MailAddress ParseOrNotFound(string address) =>
        AddressRules.TryParseHosted(address, out var parsed, out _) ? parsed : throw NotFound(address);

    private static ApiProblemException NotFound(string address) => new(ApiProblem.NotFound($"Mailbox '{address}' not found."));

    internal static async Task RequireOwnDomainAsync(ApiContext call, MailDirectory directory, string domain, string field)
    {
        if (await directory.GetDomainAsync(call.Tenant, domain, call.Cancellation) is null)
        {
            throw new ApiProblemException(ApiProblem.Invalid(field, $"is in '{domain}', which is not one of this tenant's domains."));
        }
    }

    private Task RequireOwnDomainAsync(ApiContext call, string domain, string field) => RequireOwnDomainAsync(call, directory, domain, field);
}
