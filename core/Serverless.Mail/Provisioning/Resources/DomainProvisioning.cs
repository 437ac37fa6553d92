using System.Globalization;
using Serverless.Mail.Accounts;
using Serverless.Mail.Provisioning.Dkim;
using Serverless.Mail.Provisioning.Dns;
using Serverless.Mail.Provisioning.Requests;
using Serverless.Mail.Provisioning.Validation;

namespace Serverless.Mail.Provisioning.Resources;

/// <summary>
/// A tenant's domains, each with a fresh DKIM key, the DNS records to publish and — until it is
/// verified — the TXT record that proves the tenant controls it.
/// </summary>
public sealed class DomainProvisioning(MailDirectory directory, HostedDomains domains, DkimKeyStore dkim, DomainDnsRecords dns, DomainOwnership ownership,
    DkimRotation rotation, ProvisioningOptions options, RecipientResolver resolver)
{
    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true };

    /// <summary>The view's <see cref="DomainView.Name"/> is the normalised name (lowercase ASCII).</summary>
    public async Task<ProvisioningOutcome<DomainView>> CreateAsync(string tenant, CreateDomain request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!DomainRules.TryNormalize(request.Name, out var name, out var error))
        {
            return ProvisioningError.Invalid("name", error);
        }
        if (options.ServiceHostNames.TryGetValue(name, out var setting))
        {
            return ProvisioningError.Invalid("name", $"is the service's own host name ({setting}) and cannot be claimed.");
        }
        var (record, key) = await domains.AddAsync(tenant, name, verified: !options.RequireDomainVerification, cancellationToken);
        return View(record, key);
    }

    /// <summary>
    /// Verifies the tenant's claim by its TXT record, or without DNS when <paramref name="force"/>
    /// (only the admin may; the HTTP layer checks). Conflict says what DNS held instead.
    /// </summary>
    public async Task<ProvisioningOutcome<DomainView>> VerifyAsync(string tenant, string name, bool force, CancellationToken cancellationToken)
    {
        if (await FindAsync(tenant, name, cancellationToken) is not { } record)
        {
            return NotFound(name);
        }
        var proof = await ownership.VerifyAsync(record, force, cancellationToken);
        if (proof.Domain is not { } verified)
        {
            return ProvisioningError.Conflict(proof.Refusal ?? $"Domain '{record.Name}' could not be verified.");
        }
        return await ViewAsync(verified, cancellationToken);
    }

    public async Task<ListView<DomainSummaryView>> ListAsync(string tenant, CancellationToken cancellationToken)
    {
        var list = await directory.ListDomainsAsync(tenant, cancellationToken);
        var items = list.OrderBy(d => d.Name, StringComparer.Ordinal).Select(d => new DomainSummaryView(d.Name, Unicode(d.Name), d.DkimSelector, d.CreatedAt, StatusName(d.Status))).ToList();
        return new ListView<DomainSummaryView>(items, null);
    }

    public async Task<ProvisioningOutcome<DomainView>> GetAsync(string tenant, string name, CancellationToken cancellationToken)
    {
        if (await FindAsync(tenant, name, cancellationToken) is not { } record)
        {
            return NotFound(name);
        }
        return await ViewAsync(record, cancellationToken);
    }

    /// <summary>A new DKIM key and selector, listed beside the current one until signing switches (<see cref="DkimRotation"/>). Only for a verified domain.</summary>
    public async Task<ProvisioningOutcome<DomainView>> RotateDkimAsync(string tenant, string name, CancellationToken cancellationToken)
    {
        if (await FindAsync(tenant, name, cancellationToken) is not { } record)
        {
            return NotFound(name);
        }
        if (record.Status != DomainStatus.Verified)
        {
            return ProvisioningError.Conflict($"Domain '{record.Name}' is not verified; nothing is signed with its key yet.");
        }
        var rotated = await rotation.StartAsync(record, cancellationToken);
        return rotated.Error is { } error ? error : await ViewAsync(rotated.Value!, cancellationToken);
    }

    /// <summary>
    /// Turns the second, Ed25519 signature (RFC 8463) on — a new key under its own selector, listed in
    /// <c>dnsRecords</c> with <c>k=ed25519</c> — or off (the key is deleted). The relay signs with it
    /// from the next message (other processes within the resolver's 30-second domain cache); the
    /// RSA signature stays, for verifiers without Ed25519. Asking for what is already so changes nothing.
    /// </summary>
    public async Task<ProvisioningOutcome<DomainView>> SetEd25519Async(string tenant, string name, bool enabled, CancellationToken cancellationToken)
    {
        if (await FindAsync(tenant, name, cancellationToken) is not { } record)
        {
            return NotFound(name);
        }
        if (enabled == record.DkimEd25519Selector is not null)
        {
            return await ViewAsync(record, cancellationToken);
        }
        var key = enabled ? await dkim.CreateAsync(record.Name, ed25519: true, cancellationToken) : null;
        var changed = record with { DkimEd25519Selector = key?.Selector };
        ProvisioningError? refused = null;
        try
        {
            if (!await directory.SetDkimSelectorsAsync(changed, cancellationToken))
            {
                refused = NotFound(name);
            }
        }
        catch (Azure.RequestFailedException e) when (e.Status == 412)
        {
            refused = ProvisioningError.Conflict($"Domain '{record.Name}' changed meanwhile (a DKIM rotation?); try again.");
        }
        if (refused is not null)
        {
            if (key is not null)
            {
                await dkim.DeleteAsync(record.Name, key.Selector, CancellationToken.None); // not written: no key left behind
            }
            return refused;
        }
        if (!enabled)
        {
            await dkim.DeleteAsync(record.Name, record.DkimEd25519Selector!, cancellationToken);
        }
        resolver.Forget(record.Name);
        return await ViewAsync(changed, cancellationToken);
    }

    /// <summary>Conflict while the domain has mailboxes, unless <paramref name="force"/> (then they are deleted too).</summary>
    public async Task<ProvisioningOutcome<Done>> DeleteAsync(string tenant, string name, bool force, CancellationToken cancellationToken)
    {
        if (await FindAsync(tenant, name, cancellationToken) is not { } record)
        {
            return NotFound(name);
        }
        await domains.RemoveAsync(record, force, cancellationToken);
        return Done.Instance;
    }

    private async Task<DomainRecord?> FindAsync(string tenant, string name, CancellationToken cancellationToken) =>
        DomainRules.TryNormalize(name, out var ascii, out _) ? await directory.GetDomainAsync(tenant, ascii, cancellationToken) : null;

    private static ProvisioningError NotFound(string name) => ProvisioningError.NotFound($"Domain '{name}' not found.");

    /// <summary>The view with every key that is published: the signing one, and during a rotation the next or the retiring one after it.</summary>
    private async Task<DomainView> ViewAsync(DomainRecord d, CancellationToken cancellationToken)
    {
        var keys = new List<DkimKey>();
        foreach (var selector in new[] { d.DkimSelector, d.DkimNextSelector, d.DkimRetiringSelector, d.DkimEd25519Selector })
        {
            if (selector is not null && await dkim.GetAsync(d.Name, selector, cancellationToken) is { } key)
            {
                keys.Add(key);
            }
        }
        var view = View(d, keys.FirstOrDefault(k => k.Selector == d.DkimSelector));
        var others = keys.Where(k => k.Selector != d.DkimSelector).Select(k => new DnsRecord("TXT", k.RecordName, k.RecordValue)).ToList();
        if (others.Count > 0)
        {
            var records = view.DnsRecords.ToList();
            var at = records.FindLastIndex(r => r.Name.Contains("._domainkey.", StringComparison.Ordinal)) + 1;
            records.InsertRange(at > 0 ? at : records.Count, others);
            view = view with { DnsRecords = records };
        }
        return view with { DkimNextSelector = d.DkimNextSelector, DkimRetiringSelector = d.DkimRetiringSelector, DkimEd25519Selector = d.DkimEd25519Selector };
    }

    private DomainView View(DomainRecord d, DkimKey? key)
    {
        // Without its key (which this API never leaves behind) the DKIM record is left out rather than invented.
        var verification = d.VerificationToken is { } token
            ? new DomainVerificationView("TXT", DomainOwnership.RecordName(d.Name), DomainOwnership.RecordValue(token))
            : null;
        return new DomainView(d.Name, Unicode(d.Name), d.DkimSelector, d.CreatedAt, dns.For(d.Name, key, d.CreatedAt), dns.MtaStsPolicy(),
            StatusName(d.Status), verification);
    }

    private static string StatusName(DomainStatus status) => status switch
    {
        DomainStatus.Pending => "pending",
        DomainStatus.Superseded => "superseded",
        _ => "verified",
    };

    private static string Unicode(string ascii)
    {
        try
        {
            return Idn.GetUnicode(ascii);
        }
        catch (ArgumentException)
        {
            return ascii;
        }
    }
}
