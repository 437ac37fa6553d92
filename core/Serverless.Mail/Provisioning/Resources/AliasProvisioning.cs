using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.Mail.Accounts;
using Serverless.Mail.Provisioning.Api;
using Serverless.Mail.Provisioning.Validation;

namespace Serverless.Mail.Provisioning.Resources;

/// <summary>
/// /tenants/{tenant}/aliases: addresses that forward to mailboxes or aliases of the same tenant
/// or to external addresses; <c>@domain</c> is the domain's catch-all.
/// </summary>
public sealed class AliasProvisioning(ApiGate gate, MailDirectory directory)
{
    public Task<IActionResult> CreateAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var body = await RequestBody.ReadAsync(request, ProvisioningSchemas.CreateAlias, call.Cancellation);
        if (!TryParseAliasAddress(body.GetString("address"), out var domain, out var local, out var error))
        {
            throw new ApiProblemException(ApiProblem.Invalid("address", error));
        }
        await MailboxProvisioning.RequireOwnDomainAsync(call, directory, domain, "address");
        var self = local is null ? "@" + domain : local + "@" + domain;
        var targets = new List<string>();
        var errors = new List<FieldError>();
        var i = 0;
        foreach (var raw in body.GetStrings("targets"))
        {
            var field = $"targets.{i++}";
            if (!AddressRules.TryParseTarget(raw, out var normalized, out var lookup, out var targetError))
            {
                errors.Add(new FieldError(field, targetError));
                continue;
            }
            if (await directory.GetDomainAsync(lookup.Domain, call.Cancellation) is { } hosted)
            {
                // Hosted here: only this tenant's own mailboxes and aliases, never another tenant's.
                if (hosted.TenantId != call.Tenant || await directory.GetAddressAsync(lookup, call.Cancellation) is null)
                {
                    errors.Add(new FieldError(field, "is in a domain hosted here but is not a mailbox or alias of this tenant."));
                    continue;
                }
                normalized = lookup.Address;
            }
            if (normalized == self)
            {
                errors.Add(new FieldError(field, "is the alias itself."));
                continue;
            }
            if (!targets.Contains(normalized, StringComparer.OrdinalIgnoreCase))
            {
                targets.Add(normalized);
            }
        }
        if (errors.Count > 0)
        {
            throw new ApiProblemException(ApiProblem.Invalid(errors));
        }
        var alias = await directory.CreateAliasAsync(call.Tenant, domain, local, targets, call.Cancellation);
        return ApiResult.Created($"/api/tenants/{tenant}/aliases/{Uri.EscapeDataString(alias.Address)}", AliasView.From(alias));
    });

    /// <summary>A page of the tenant's aliases and catch-alls (?limit=, ?continuationToken=, ?domain=).</summary>
    public Task<IActionResult> ListAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var (items, next) = await AddressListing.PageAsync(directory, call, AddressKind.Alias);
        return ApiResult.Ok(new ListView<AliasView>(items.OfType<AddressEntry.Alias>().Select(a => AliasView.From(a.Record)).ToList(), next));
    });

    public Task<IActionResult> GetAsync(HttpRequest request, string tenant, string address) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var (alias, _, _) = await FindAsync(call, address);
        return ApiResult.Ok(AliasView.From(alias));
    });

    public Task<IActionResult> DeleteAsync(HttpRequest request, string tenant, string address) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var (_, domain, local) = await FindAsync(call, address);
        if (!await directory.DeleteAliasAsync(call.Tenant, domain, local, call.Cancellation))
        {
            throw NotFound(address);
        }
        return ApiResult.NoContent();
    });

    private async Task<(AliasRecord Alias, string Domain, string? Local)> FindAsync(ApiContext call, string address)
    {
        if (TryParseAliasAddress(address, out var domain, out var local, out _)
            && await directory.GetAliasAsync(call.Tenant, domain, local, call.Cancellation) is { } alias)
        {
            return (alias, domain, local);
        }
        throw NotFound(address);
    }

    private static ApiProblemException NotFound(string address) => new(ApiProblem.NotFound($"Alias '{address}' not found."));

    /// <summary>"local@domain" (an alias) or "@domain" (the catch-all, local part null).</summary>
    internal static bool TryParseAliasAddress(string? text, out string domain, out string? local, out string error)
    {
        domain = "";
        local = null;
        text = text?.Trim();
        if (text is not null && text.StartsWith('@'))
        {
            if (!DomainRules.TryNormalize(text[1..], out domain, out var domainError))
            {
                error = "has a domain that " + domainError;
                return false;
            }
            error = "";
            return true;
        }
        if (!AddressRules.TryParseHosted(text, out var address, out error))
        {
            return false;
        }
        domain = address.Domain;
        local = address.LocalPart;
        return true;
    }
}
