using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Serverless.Cli.Api;

/// <summary>
/// The provisioning API over HTTP, one method per route (README "Provisioning API";
/// functions/Serverless.Functions/Http). Knows nothing of commands or rendering: it sends, reads the
/// answer into a record with its JSON text, and throws <see cref="MailApiException"/> for an error
/// status (<see cref="HttpRequestException"/> when the API cannot be reached).
/// </summary>
public sealed class MailApiClient(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    // Tenants (admin key; a tenant key may read its own)
    public Task<ApiReply<CreatedTenant>> CreateTenantAsync(string id, string? displayName, CancellationToken ct) =>
        SendAsync<CreatedTenant>(HttpMethod.Post, "tenants", new { id, displayName }, ct);

    public Task<ApiReply<Page<Tenant>>> ListTenantsAsync(CancellationToken ct) => SendAsync<Page<Tenant>>(HttpMethod.Get, "tenants", null, ct);

    public Task<ApiReply<Tenant>> GetTenantAsync(string tenant, CancellationToken ct) => SendAsync<Tenant>(HttpMethod.Get, Path(tenant), null, ct);

    public Task DeleteTenantAsync(string tenant, bool force, CancellationToken ct) => SendAsync(HttpMethod.Delete, Path(tenant) + Force(force), null, ct);

    public Task<ApiReply<TenantQuotas>> GetTenantQuotasAsync(string tenant, CancellationToken ct) => SendAsync<TenantQuotas>(HttpMethod.Get, Path(tenant, "quotas"), null, ct);

    /// <summary>PUT replaces all three limits (0 = unlimited).</summary>
    public Task<ApiReply<TenantQuotas>> SetTenantQuotasAsync(string tenant, TenantQuotaLimits limits, CancellationToken ct) =>
        SendAsync<TenantQuotas>(HttpMethod.Put, Path(tenant, "quotas"), limits, ct);

    // API keys
    public Task<ApiReply<CreatedApiKey>> CreateKeyAsync(string tenant, CancellationToken ct) => SendAsync<CreatedApiKey>(HttpMethod.Post, Path(tenant, "keys"), null, ct);

    public Task<ApiReply<Page<ApiKey>>> ListKeysAsync(string tenant, CancellationToken ct) => SendAsync<Page<ApiKey>>(HttpMethod.Get, Path(tenant, "keys"), null, ct);

    public Task DeleteKeyAsync(string tenant, string keyId, CancellationToken ct) => SendAsync(HttpMethod.Delete, Path(tenant, "keys", keyId), null, ct);

    // Domains
    public Task<ApiReply<Domain>> CreateDomainAsync(string tenant, string name, CancellationToken ct) =>
        SendAsync<Domain>(HttpMethod.Post, Path(tenant, "domains"), new { name }, ct);

    public Task<ApiReply<Page<DomainSummary>>> ListDomainsAsync(string tenant, CancellationToken ct) =>
        SendAsync<Page<DomainSummary>>(HttpMethod.Get, Path(tenant, "domains"), null, ct);

    public Task<ApiReply<Domain>> GetDomainAsync(string tenant, string name, CancellationToken ct) =>
        SendAsync<Domain>(HttpMethod.Get, Path(tenant, "domains", name), null, ct);

    public Task<ApiReply<Domain>> VerifyDomainAsync(string tenant, string name, bool force, CancellationToken ct) =>
        SendAsync<Domain>(HttpMethod.Post, Path(tenant, "domains", name, "verify") + Force(force), null, ct);

    public Task<ApiReply<DnsCheck>> CheckDomainDnsAsync(string tenant, string name, CancellationToken ct) =>
        SendAsync<DnsCheck>(HttpMethod.Get, Path(tenant, "domains", name, "dns-check"), null, ct);

    public Task DeleteDomainAsync(string tenant, string name, bool force, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, Path(tenant, "domains", name) + Force(force), null, ct);

    // Mailboxes
    public Task<ApiReply<Mailbox>> CreateMailboxAsync(string tenant, string address, string password, string? displayName, long? quotaBytes, CancellationToken ct) =>
        SendAsync<Mailbox>(HttpMethod.Post, Path(tenant, "mailboxes"), new { address, password, displayName, quotaBytes }, ct);

    public Task<ApiReply<Page<Mailbox>>> ListMailboxesAsync(string tenant, string? domain, string? continuationToken, CancellationToken ct) =>
        SendAsync<Page<Mailbox>>(HttpMethod.Get, Path(tenant, "mailboxes") + Query(("domain", domain), ("continuationToken", continuationToken)), null, ct);

    public Task<ApiReply<MailboxDetail>> GetMailboxAsync(string tenant, string address, CancellationToken ct) =>
        SendAsync<MailboxDetail>(HttpMethod.Get, Path(tenant, "mailboxes", address), null, ct);

    /// <summary>PATCH: only the values given change.</summary>
    public Task<ApiReply<Mailbox>> UpdateMailboxAsync(string tenant, string address, string? displayName, long? quotaBytes, bool? enabled, CancellationToken ct) =>
        SendAsync<Mailbox>(HttpMethod.Patch, Path(tenant, "mailboxes", address), new { displayName, quotaBytes, enabled }, ct);

    public Task SetMailboxPasswordAsync(string tenant, string address, string password, CancellationToken ct) =>
        SendAsync(HttpMethod.Put, Path(tenant, "mailboxes", address, "password"), new { password }, ct);

    /// <summary>Null when everything is gone (204); the deletion's state when the contents go on being removed in the background (202).</summary>
    public async Task<ApiReply<MailboxDeletion?>> DeleteMailboxAsync(string tenant, string address, CancellationToken ct)
    {
        var (status, text) = await ExchangeAsync(HttpMethod.Delete, Path(tenant, "mailboxes", address), null, ct);
        return new ApiReply<MailboxDeletion?>(text.Length == 0 ? null : Read<MailboxDeletion>(text), text, status);
    }

    // Aliases (address "@domain": the domain's catch-all)
    public Task<ApiReply<Alias>> CreateAliasAsync(string tenant, string address, IReadOnlyList<string> targets, CancellationToken ct) =>
        SendAsync<Alias>(HttpMethod.Post, Path(tenant, "aliases"), new { address, targets }, ct);

    public Task<ApiReply<Page<Alias>>> ListAliasesAsync(string tenant, string? domain, string? continuationToken, CancellationToken ct) =>
        SendAsync<Page<Alias>>(HttpMethod.Get, Path(tenant, "aliases") + Query(("domain", domain), ("continuationToken", continuationToken)), null, ct);

    public Task<ApiReply<Alias>> GetAliasAsync(string tenant, string address, CancellationToken ct) =>
        SendAsync<Alias>(HttpMethod.Get, Path(tenant, "aliases", address), null, ct);

    public Task DeleteAliasAsync(string tenant, string address, CancellationToken ct) => SendAsync(HttpMethod.Delete, Path(tenant, "aliases", address), null, ct);

    // Send-as grants
    public Task<ApiReply<SendAsGrant>> GrantSendAsAsync(string tenant, string mailbox, string address, CancellationToken ct) =>
        SendAsync<SendAsGrant>(HttpMethod.Post, Path(tenant, "mailboxes", mailbox, "send-as"), new { address }, ct);

    public Task<ApiReply<Page<SendAsGrant>>> ListSendAsAsync(string tenant, string mailbox, CancellationToken ct) =>
        SendAsync<Page<SendAsGrant>>(HttpMethod.Get, Path(tenant, "mailboxes", mailbox, "send-as"), null, ct);

    public Task RevokeSendAsAsync(string tenant, string mailbox, string address, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, Path(tenant, "mailboxes", mailbox, "send-as", address), null, ct);

    // Outbound relay
    public Task<ApiReply<Page<OutboundMessage>>> ListOutboundAsync(string tenant, bool all, string? continuationToken, CancellationToken ct) =>
        SendAsync<Page<OutboundMessage>>(HttpMethod.Get, Path(tenant, "outbound") + Query(("all", all ? "true" : null), ("continuationToken", continuationToken)), null, ct);

    public Task<ApiReply<OutboundMessage>> RetryOutboundAsync(string tenant, string id, CancellationToken ct) =>
        SendAsync<OutboundMessage>(HttpMethod.Post, Path(tenant, "outbound", id, "retry"), null, ct);

    public Task<ApiReply<OutboundMessage>> HoldOutboundAsync(string tenant, string id, CancellationToken ct) =>
        SendAsync<OutboundMessage>(HttpMethod.Post, Path(tenant, "outbound", id, "hold"), null, ct);

    public Task<ApiReply<OutboundMessage>> ReleaseOutboundAsync(string tenant, string id, CancellationToken ct) =>
        SendAsync<OutboundMessage>(HttpMethod.Post, Path(tenant, "outbound", id, "release"), null, ct);

    public Task<ApiReply<OutboundMessage>> CancelOutboundAsync(string tenant, string id, CancellationToken ct) =>
        SendAsync<OutboundMessage>(HttpMethod.Delete, Path(tenant, "outbound", id), null, ct);

    // Poison queues (admin key)
    public Task<ApiReply<PoisonList>> ListPoisonAsync(string queue, CancellationToken ct) =>
        SendAsync<PoisonList>(HttpMethod.Get, $"queues/{Uri.EscapeDataString(queue)}/poison", null, ct);

    public Task<ApiReply<PoisonReplay>> ReplayPoisonAsync(string queue, string id, CancellationToken ct) =>
        SendAsync<PoisonReplay>(HttpMethod.Post, $"queues/{Uri.EscapeDataString(queue)}/poison/{Uri.EscapeDataString(id)}/replay", null, ct);

    // Imports and export (README "Moving in and out")
    public Task<ApiReply<MailboxImport>> StartImapImportAsync(string tenant, string address, ImapSource source, CancellationToken ct) =>
        SendAsync<MailboxImport>(HttpMethod.Post, Path(tenant, "mailboxes", address, "imports"), source, ct);

    /// <summary>Uploads an mbox (<c>application/mbox</c>, into <paramref name="folder"/>) or a Maildir zip (<c>application/zip</c>) as it is read from <paramref name="file"/>.</summary>
    public async Task<ApiReply<MailboxImport>> StartFileImportAsync(string tenant, string address, Stream file, string contentType, string? folder, CancellationToken ct)
    {
        var content = new StreamContent(file, 256 * 1024);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        var (status, text) = await ExchangeAsync(HttpMethod.Post, Path(tenant, "mailboxes", address, "imports") + Query(("folder", folder)), content, ct);
        return new ApiReply<MailboxImport>(Read<MailboxImport>(text), text, status);
    }

    public Task<ApiReply<MailboxImport>> GetImportAsync(string tenant, string address, string id, CancellationToken ct) =>
        SendAsync<MailboxImport>(HttpMethod.Get, Path(tenant, "mailboxes", address, "imports", id), null, ct);

    public Task<ApiReply<MailboxImport>> CancelImportAsync(string tenant, string address, string id, CancellationToken ct) =>
        SendAsync<MailboxImport>(HttpMethod.Delete, Path(tenant, "mailboxes", address, "imports", id), null, ct);

    /// <summary>Streams the export into <paramref name="destination"/> as it arrives; answers the bytes written.</summary>
    public async Task<long> ExportAsync(string tenant, string address, string format, string? folder, Stream destination, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Path(tenant, "mailboxes", address, "export") + Query(("format", format), ("folder", folder)), UriKind.Relative));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw MailApiException.From(response.StatusCode, response.ReasonPhrase, await response.Content.ReadAsStringAsync(ct));
        }
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var before = destination.CanSeek ? destination.Position : 0;
        await body.CopyToAsync(destination, 256 * 1024, ct);
        return destination.CanSeek ? destination.Position - before : -1;
    }

    private static string Path(string tenant, params string[] rest) =>
        string.Join('/', new[] { "tenants", tenant }.Concat(rest).Select(Uri.EscapeDataString));

    private static string Force(bool force) => force ? "?force=true" : "";

    private static string Query(params (string Name, string? Value)[] parameters)
    {
        var given = parameters.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return given.Count == 0 ? "" : "?" + string.Join('&', given);
    }

    private async Task<ApiReply<T>> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        var (status, text) = await ExchangeAsync(method, path, body, ct);
        return new ApiReply<T>(Read<T>(text), text, status);
    }

    private async Task SendAsync(HttpMethod method, string path, object? body, CancellationToken ct) =>
        await ExchangeAsync(method, path, body, ct);

    private Task<(int Status, string Text)> ExchangeAsync(HttpMethod method, string path, object? body, CancellationToken ct) =>
        ExchangeAsync(method, path, body is null ? null : new StringContent(JsonSerializer.Serialize(body, Json), Encoding.UTF8, "application/json"), ct);

    private async Task<(int Status, string Text)> ExchangeAsync(HttpMethod method, string path, HttpContent? content, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw MailApiException.From(response.StatusCode, response.ReasonPhrase, text);
        }
        return ((int)response.StatusCode, text);
    }

    private static T Read<T>(string text)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(text, Json) ?? throw new JsonException("empty answer");
        }
        catch (JsonException e)
        {
            // A 2xx that is not the documented JSON: something other than the API answered (a proxy, another app).
            throw new MailApiException(HttpStatusCode.BadGateway, $"unexpected answer from the API: {e.Message}");
        }
    }

    /// <summary>An HTTP client for the API at <paramref name="api"/> (the function app's base URL, with or without <c>/api</c>) with the bearer <paramref name="key"/>.</summary>
    public static HttpClient CreateHttp(Uri api, string key, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(api);
        var baseUrl = api.GetLeftPart(UriPartial.Path).TrimEnd('/');
        if (baseUrl.EndsWith("/api", StringComparison.OrdinalIgnoreCase))
        {
            baseUrl = baseUrl[..^4];
        }
        var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.BaseAddress = new Uri(baseUrl + "/api/");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        http.Timeout = TimeSpan.FromSeconds(100);
        return http;
    }
}
