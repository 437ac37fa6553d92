using Serverless.Mail.Accounts;
using Serverless.Mail.Provisioning.Dns;
using Serverless.Mail.Provisioning.Resources;
using Serverless.Mail.Provisioning.Validation;

namespace Serverless.Mail.Provisioning.Clients;

/// <summary>What a mail client is told about one hosted domain: where to connect, and for whom.</summary>
public sealed record MailClientSettings(string Domain, string? Address, string? DisplayName, string Host, ClientPortOptions Ports);

/// <summary>A document for a client: its media type and bytes.</summary>
public sealed record ClientDocument(string ContentType, byte[] Content);

/// <summary>
/// Client autoconfiguration and the MTA-STS policy for the verified domains: Thunderbird's
/// autoconfig, Outlook's Autodiscover (POX and the JSON v2 redirect), Apple's configuration
/// profile. Host and ports come from <see cref="ProvisioningOptions"/> (the same ones the SRV
/// records publish). A domain no tenant has verified gets nothing (null: the host answers 404).
/// </summary>
public sealed class ClientSetup(RecipientResolver resolver, DomainDnsRecords dns, MailboxProvisioning mailboxes, ProvisioningOptions options)
{
    private static readonly string[] ServicePrefixes = ["autoconfig.", "autodiscover.", "mta-sts."];

    /// <summary>
    /// The domain a request is about: an explicit one (<c>?domain=</c>, for clients that cannot
    /// set the Host header), else the Host header without its port and without the service label
    /// the CNAME adds (<c>autoconfig.</c>, <c>autodiscover.</c>, <c>mta-sts.</c>), else — when the
    /// host is an address or <c>localhost</c> — the domain of the address the client asks about.
    /// </summary>
    public static string? DomainOf(string? explicitDomain, string? host, string? address)
    {
        if (!string.IsNullOrWhiteSpace(explicitDomain))
        {
            return explicitDomain.Trim();
        }
        if (!string.IsNullOrWhiteSpace(host))
        {
            var name = host.Trim();
            if (name.StartsWith('['))
            {
                name = "";
            }
            else if (name.LastIndexOf(':') is var colon and > 0)
            {
                name = name[..colon];
            }
            if (name.Length > 0 && !System.Net.IPAddress.TryParse(name, out _) && !name.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var prefix in ServicePrefixes)
                {
                    if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                    {
                        return name[prefix.Length..];
                    }
                }
                return name;
            }
        }
        return address is not null && address.LastIndexOf('@') is var at and > 0 ? address[(at + 1)..] : null;
    }

    /// <summary>The settings for a verified domain, or null.</summary>
    public async Task<MailClientSettings?> ForDomainAsync(string? domain, string? address, CancellationToken cancellationToken)
    {
        if (!DomainRules.TryNormalize(domain, out var name, out _)
            || await resolver.GetHostedDomainAsync(name, cancellationToken).ConfigureAwait(false) is null)
        {
            return null;
        }
        var who = MailAddress.TryParse(address, out var parsed) ? parsed.Address : null;
        return new MailClientSettings(name, who, null, (options.ClientHost ?? options.MailHost).TrimEnd('.'), options.ClientPorts);
    }

    /// <summary>Thunderbird's <c>config-v1.1.xml</c> for the domain, or null.</summary>
    public async Task<ClientDocument?> ThunderbirdAsync(string? domain, string? address, CancellationToken cancellationToken) =>
        await ForDomainAsync(domain, address, cancellationToken).ConfigureAwait(false) is { } settings
            ? new ClientDocument("application/xml; charset=utf-8", ThunderbirdAutoconfig.Write(settings))
            : null;

    /// <summary>
    /// Outlook's POX Autodiscover: the request names the address (and the response schema it
    /// accepts); null for an unknown or unverified domain. A malformed request, or one for another
    /// schema (mobilesync: ActiveSync, which is not offered), gets Autodiscover's error 600.
    /// </summary>
    public async Task<ClientDocument?> AutodiscoverXmlAsync(string? explicitDomain, string? host, Stream body, CancellationToken cancellationToken)
    {
        var request = await OutlookAutodiscover.ReadRequestAsync(body, cancellationToken).ConfigureAwait(false);
        if (request is null)
        {
            return new ClientDocument("text/xml; charset=utf-8", OutlookAutodiscover.Error("Invalid Request"));
        }
        var settings = await ForDomainAsync(DomainOf(explicitDomain, host, request.Address), request.Address, cancellationToken).ConfigureAwait(false);
        if (settings is null)
        {
            return null;
        }
        return new ClientDocument("text/xml; charset=utf-8", request.AcceptsOutlookSchema
            ? OutlookAutodiscover.Response(settings, request.Address)
            : OutlookAutodiscover.Error("Invalid Request"));
    }

    /// <summary>Autodiscover v2 (JSON): the URL of the POX endpoint for <c>AutodiscoverV1</c>; 400 for any other protocol; null (404) for a domain not hosted.</summary>
    public async Task<(int Status, ClientDocument Document)?> AutodiscoverJsonAsync(string? explicitDomain, string? host, string? address, string? protocol,
        CancellationToken cancellationToken)
    {
        var settings = await ForDomainAsync(DomainOf(explicitDomain, host, address), address, cancellationToken).ConfigureAwait(false);
        if (settings is null)
        {
            return null;
        }
        var (status, json) = OutlookAutodiscover.JsonAnswer(settings, protocol);
        return (status, new ClientDocument("application/json; charset=utf-8", json));
    }

    /// <summary>The MTA-STS policy (RFC 8461 3.2) for a verified domain, or null.</summary>
    public async Task<ClientDocument?> MtaStsPolicyAsync(string? domain, CancellationToken cancellationToken) =>
        await ForDomainAsync(domain, null, cancellationToken).ConfigureAwait(false) is null
            ? null
            : new ClientDocument("text/plain; charset=utf-8", System.Text.Encoding.UTF8.GetBytes(dns.MtaStsPolicy()));

    /// <summary>
    /// An Apple configuration profile with the mailbox's IMAP and SMTP accounts (no password),
    /// CMS-signed when <see cref="ProvisioningOptions.ProfileSigningCertificatePath"/> is set.
    /// Not found unless the mailbox is the tenant's and its domain is verified.
    /// </summary>
    public async Task<ProvisioningOutcome<ClientDocument>> AppleProfileAsync(string tenant, string address, CancellationToken cancellationToken)
    {
        var found = await mailboxes.GetAsync(tenant, address, cancellationToken).ConfigureAwait(false);
        if (found.Error is { } error)
        {
            return error;
        }
        var mailbox = found.Value!;
        var parsed = MailAddress.Parse(mailbox.Address);
        var hosted = await resolver.GetHostedDomainAsync(parsed.Domain, cancellationToken).ConfigureAwait(false);
        if (hosted?.TenantId != tenant)
        {
            return ProvisioningError.NotFound($"Mailbox '{address}' is not in a verified domain.");
        }
        var settings = new MailClientSettings(parsed.Domain, mailbox.Address, mailbox.DisplayName, (options.ClientHost ?? options.MailHost).TrimEnd('.'),
            options.ClientPorts);
        var profile = AppleProfile.Write(settings);
        return string.IsNullOrWhiteSpace(options.ProfileSigningCertificatePath)
            ? new ClientDocument(AppleProfile.ContentType, profile)
            : new ClientDocument(AppleProfile.ContentType, AppleProfile.Sign(profile, options.ProfileSigningCertificatePath, options.ProfileSigningCertificatePassword));
    }
}
