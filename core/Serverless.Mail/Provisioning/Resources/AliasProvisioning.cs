using Serverless.Mail.Accounts;
using Serverless.Mail.Provisioning.Requests;
using Serverless.Mail.Provisioning.Validation;

namespace Serverless.Mail.Provisioning.Resources;

/// <summary>
/// A tenant's aliases: addresses that forward to mailboxes or aliases of the same tenant or to
/// external addresses; <c>@domain</c> is the domain's catch-all.
/// </summary>
public sealed class AliasProvisioning(MailDirectory directory)
{
    public async Task<ProvisioningOutcome<AliasView>> CreateAsync(string tenant, CreateAlias request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!TryParseAliasAddress(request.Address, out var domain, out var local, out var error))
        {
            return ProvisioningError.Invalid("address", error);
        }
        if (await MailboxProvisioning.OwnDomainAsync(directory, tenant, domain, "address", cancellationToken) is { } notOwn)
        {
            return notOwn;
        }
        var self = local is null ? "@" + domain : local + "@" + domain;
        var targets = new List<string>();
        var errors = new List<FieldError>();
        var i = 0;
        foreach (var raw in request.Targets)
        {
            var field = $"targets.{i++}";
            if (!AddressRules.TryParseTarget(raw, out var normalized, out var lookup, out var targetError))
            {
                errors.Add(new FieldError(field, targetError));
                continue;
            }
            if (await directory.GetDomainAsync(lookup.Domain, cancellationToken) is { } hosted)
            {
                // Hosted here: only this tenant's own mailboxes and aliases, never another tenant's.
                if (hosted.TenantId != tenant || await directory.GetAddressAsync(lookup, cancellationToken) is null)
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
            return ProvisioningError.Invalid(errors);
        }
        var alias = await directory.CreateAliasAsync(tenant, domain, local, targets, cancellationToken);
        return AliasView.From(alias);
    }

    /// <summary>A page of the tenant's aliases and catch-alls.</summary>
    public async Task<ProvisioningOutcome<ListView<AliasView>>> ListAsync(string tenant, AddressPage page, CancellationToken cancellationToken)
    {
        var outcome = await AddressListing.PageAsync(directory, tenant, page, AddressKind.Alias, cancellationToken);
        if (outcome.Error is { } error)
        {
            return error;
        }
        var (items, next) = outcome.Value;
        return new ListView<AliasView>(items.OfType<AddressEntry.Alias>().Select(a => AliasView.From(a.Record)).ToList(), next);
    }

    public async Task<ProvisioningOutcome<AliasView>> GetAsync(string tenant, string address, CancellationToken cancellationToken)
    {
        var found = await FindAsync(tenant, address, cancellationToken);
        return found is { } f ? AliasView.From(f.Alias) : NotFound(address);
    }

    public async Task<ProvisioningOutcome<Done>> DeleteAsync(string tenant, string address, CancellationToken cancellationToken)
    {
        if (await FindAsync(tenant, address, cancellationToken) is not { } found
            || !await directory.DeleteAliasAsync(tenant, found.Domain, found.Local, cancellationToken))
        {
            return NotFound(address);
        }
        return Done.Instance;
    }

    private async Task<(AliasRecord Alias, string Domain, string? Local)?> FindAsync(string tenant, string address, CancellationToken cancellationToken)
    {
        if (TryParseAliasAddress(address, out var domain, out var local, out _)
            && await directory.GetAliasAsync(tenant, domain, local, cancellationToken) is { } alias)
        {
            return (alias, domain, local);
        }
        return null;
    }

    private static ProvisioningError NotFound(string address) => ProvisioningError.NotFound($"Alias '{address}' not found.");

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
