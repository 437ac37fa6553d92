using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.Mail.Accounts;
using Serverless.Mail.Provisioning.Api;
using Serverless.Mail.Provisioning.Dkim;
using Serverless.Mail.Provisioning.Dns;
using Serverless.Mail.Provisioning.Validation;

namespace Serverless.Mail.Provisioning.Resources;

/// <summary>/tenants/{tenant}/domains: hosted domains, each with a fresh DKIM key and the DNS records to publish.</summary>
public sealed class DomainProvisioning(ApiGate gate, MailDirectory directory, HostedDomains domains, DkimKeyStore dkim, DomainDnsRecords dns)
{
    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true };

    public Task<IActionResult> CreateAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var body = await RequestBody.ReadAsync(request, ProvisioningSchemas.CreateDomain, call.Cancellation);
        if (!DomainRules.TryNormalize(body.GetString("name"), out var name, out var error))
        {
            throw new ApiProblemException(ApiProblem.Invalid("name", error));
        }
        var (record, key) = await domains.AddAsync(call.Tenant, name, call.Cancellation);
        return ApiResult.Created($"/api/tenants/{tenant}/domains/{name}", View(record, key));
    });

    public Task<IActionResult> ListAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var list = await directory.ListDomainsAsync(call.Tenant, call.Cancellation);
        var items = list.OrderBy(d => d.Name, StringComparer.Ordinal).Select(d => new DomainSummaryView(d.Name, Unicode(d.Name), d.DkimSelector, d.CreatedAt)).ToList();
        return ApiResult.Ok(new ListView<DomainSummaryView>(items, null));
    });

    public Task<IActionResult> GetAsync(HttpRequest request, string tenant, string name) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var record = await FindAsync(call, name);
        var key = record.DkimSelector is { } selector ? await dkim.GetAsync(record.Name, selector, call.Cancellation) : null;
        return ApiResult.Ok(View(record, key));
    });

    /// <summary>409 while the domain has mailboxes, unless ?force=true (then they are deleted too).</summary>
    public Task<IActionResult> DeleteAsync(HttpRequest request, string tenant, string name) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var force = QueryParameters.Flag(request, "force");
        var record = await FindAsync(call, name);
        await domains.RemoveAsync(record, force, call.Cancellation);
        return ApiResult.NoContent();
    });

    private async Task<DomainRecord> FindAsync(ApiContext call, string name)
    {
        DomainRecord? record = null;
        if (DomainRules.TryNormalize(name, out var ascii, out _))
        {
            record = await directory.GetDomainAsync(call.Tenant, ascii, call.Cancellation);
        }
        return record ?? throw new ApiProblemException(ApiProblem.NotFound($"Domain '{name}' not found."));
    }

    private DomainView View(DomainRecord d, DkimKey? key)
    {
        // Without its key (which this API never leaves behind) the DKIM record is left out rather than invented.
        return new DomainView(d.Name, Unicode(d.Name), d.DkimSelector, d.CreatedAt, dns.For(d.Name, key, d.CreatedAt), dns.MtaStsPolicy());
    }

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
