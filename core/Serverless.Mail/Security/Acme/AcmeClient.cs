using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace Serverless.Mail.Security.Acme;

/// <summary>Serves HTTP-01 key authorizations at <c>http://{name}/.well-known/acme-challenge/{token}</c> (RFC 8555 §8.3) while a challenge is open.</summary>
public interface IAcmeChallengeResponder
{
    Task PublishAsync(string token, string keyAuthorization, CancellationToken cancellationToken);

    Task RemoveAsync(string token, CancellationToken cancellationToken);
}

/// <summary>What an order produced: the chain and its key as PEM (what Key Vault takes), and the certificate.</summary>
public sealed record AcmeIssuedCertificate(string CertificateChainPem, string PrivateKeyPem, DateTimeOffset NotAfter)
{
    /// <summary>The certificate with its key and the intermediates after it, as one PKCS#12 (what Key Vault imports).</summary>
    public byte[] ToPkcs12()
    {
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(CertificateChainPem);
        using var leaf = X509Certificate2.CreateFromPem(CertificateChainPem, PrivateKeyPem);
        var bundle = new X509Certificate2Collection { leaf };
        bundle.AddRange(chain.Skip(1).ToArray());
        var pfx = bundle.Export(X509ContentType.Pkcs12)!;
        foreach (var c in chain)
        {
            c.Dispose();
        }
        return pfx;
    }
}

/// <summary>An ACME server's refusal (RFC 8555 §6.7 problem document), or an order that ended invalid.</summary>
public sealed class AcmeException(string message) : Exception(message);

/// <summary>
/// An ACME client (RFC 8555) for one account: a new or existing account (§7.3), an order for the
/// host names (§7.4), HTTP-01 challenges answered through <see cref="IAcmeChallengeResponder"/>
/// (§8.3), finalization with a CSR for a fresh key (§7.4), and the PEM chain (§7.4.2). Every request
/// is a JWS POST with a fresh nonce (§6.5); a badNonce refusal is retried once with the nonce it brings.
/// </summary>
public sealed class AcmeClient(HttpClient http, Uri directoryUrl, AcmeAccountKey accountKey, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private JsonObject? _directory;
    private string? _nonce;
    private string? _accountUrl;

    /// <summary>How often an authorization or order is polled while the server works (it may say otherwise with Retry-After).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one order may take before it is given up.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    public async Task<AcmeIssuedCertificate> IssueAsync(IReadOnlyList<string> dnsNames, string? contactEmail, IAcmeChallengeResponder responder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dnsNames);
        ArgumentNullException.ThrowIfNull(responder);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        var ct = deadline.Token;
        _directory ??= (JsonObject)JsonNode.Parse(await http.GetByteArrayAsync(directoryUrl, ct).ConfigureAwait(false))!;
        await EnsureAccountAsync(contactEmail, ct).ConfigureAwait(false);

        var identifiers = new JsonArray(dnsNames.Select(n => (JsonNode)new JsonObject { ["type"] = "dns", ["value"] = n }).ToArray());
        var (orderResponse, order) = await PostAsync(Endpoint("newOrder"), new JsonObject { ["identifiers"] = identifiers }, ct).ConfigureAwait(false);
        var orderUrl = orderResponse.Headers.Location ?? throw new AcmeException("newOrder gave no order URL");

        foreach (var authorizationUrl in order["authorizations"]!.AsArray().Select(a => new Uri((string)a!)))
        {
            await AuthorizeAsync(authorizationUrl, responder, ct).ConfigureAwait(false);
        }

        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={dnsNames[0]}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames)
        {
            san.AddDnsName(name);
        }
        request.CertificateExtensions.Add(san.Build());
        var csr = AcmeAccountKey.Base64Url(request.CreateSigningRequest());
        await PostAsync(new Uri((string)order["finalize"]!), new JsonObject { ["csr"] = csr }, ct).ConfigureAwait(false);
        order = await PollAsync(orderUrl, "valid", ["invalid"], ct).ConfigureAwait(false);

        var (_, chainBytes) = await PostRawAsync(new Uri((string)order["certificate"]!), payload: null, ct).ConfigureAwait(false);
        var chain = Encoding.ASCII.GetString(chainBytes);
        using var leaf = X509Certificate2.CreateFromPem(chain);
        return new AcmeIssuedCertificate(chain, key.ExportPkcs8PrivateKeyPem(), new DateTimeOffset(leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero));
    }

    private async Task AuthorizeAsync(Uri authorizationUrl, IAcmeChallengeResponder responder, CancellationToken ct)
    {
        var (_, authorization) = await PostAsync(authorizationUrl, null, ct).ConfigureAwait(false);
        if ((string?)authorization["status"] == "valid")
        {
            return; // authorized earlier (authorizations outlive orders)
        }
        var challenge = authorization["challenges"]!.AsArray().FirstOrDefault(c => (string?)c!["type"] == "http-01")
            ?? throw new AcmeException($"the server offers no http-01 challenge for {authorization["identifier"]?["value"]}");
        var token = (string)challenge["token"]!;
        await responder.PublishAsync(token, accountKey.KeyAuthorization(token), ct).ConfigureAwait(false);
        try
        {
            // §7.5.1: an empty JSON object says "ready, validate now".
            await PostAsync(new Uri((string)challenge["url"]!), new JsonObject(), ct).ConfigureAwait(false);
            await PollAsync(authorizationUrl, "valid", ["invalid", "deactivated", "expired", "revoked"], ct).ConfigureAwait(false);
        }
        finally
        {
            await responder.RemoveAsync(token, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<JsonObject> PollAsync(Uri url, string done, string[] failed, CancellationToken ct)
    {
        while (true)
        {
            var (response, body) = await PostAsync(url, null, ct).ConfigureAwait(false);
            var status = (string?)body["status"];
            if (status == done)
            {
                return body;
            }
            if (failed.Contains(status))
            {
                throw new AcmeException($"{url} is {status}: {body["error"]?.ToJsonString() ?? body["challenges"]?.ToJsonString()}");
            }
            var wait = response.Headers.RetryAfter?.Delta is { } delta && delta > TimeSpan.Zero ? delta : PollInterval;
            await Task.Delay(wait, _clock, ct).ConfigureAwait(false);
        }
    }

    private async Task EnsureAccountAsync(string? contactEmail, CancellationToken ct)
    {
        if (_accountUrl is not null)
        {
            return;
        }
        var payload = new JsonObject { ["termsOfServiceAgreed"] = true };
        if (!string.IsNullOrEmpty(contactEmail))
        {
            payload["contact"] = new JsonArray("mailto:" + contactEmail);
        }
        // §7.3: the same key finds the existing account (200) or makes one (201); both give its URL.
        var (response, _) = await PostAsync(Endpoint("newAccount"), payload, ct, useJwk: true).ConfigureAwait(false);
        _accountUrl = response.Headers.Location?.ToString() ?? throw new AcmeException("newAccount gave no account URL");
    }

    private Uri Endpoint(string name) => new((string?)_directory?[name] ?? throw new AcmeException($"the directory has no {name}"));

    private async Task<(HttpResponseMessage Response, JsonObject Body)> PostAsync(Uri url, JsonNode? payload, CancellationToken ct, bool useJwk = false)
    {
        var (response, bytes) = await PostRawAsync(url, payload, ct, useJwk).ConfigureAwait(false);
        return (response, bytes.Length == 0 ? [] : (JsonObject)JsonNode.Parse(bytes)!);
    }

    private async Task<(HttpResponseMessage Response, byte[] Body)> PostRawAsync(Uri url, JsonNode? payload, CancellationToken ct, bool useJwk = false)
    {
        for (var attempt = 1; ; attempt++)
        {
            var nonce = _nonce ?? await NewNonceAsync(ct).ConfigureAwait(false);
            _nonce = null;
            using var content = new StringContent(accountKey.Sign(url, nonce, useJwk ? null : _accountUrl, payload?.DeepClone()), Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/jose+json");
            var response = await http.PostAsync(url, content, ct).ConfigureAwait(false);
            if (response.Headers.TryGetValues("Replay-Nonce", out var next))
            {
                _nonce = next.FirstOrDefault();
            }
            var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return (response, body);
            }
            var problem = body.Length > 0 ? JsonNode.Parse(body) : null;
            if (attempt == 1 && (string?)problem?["type"] == "urn:ietf:params:acme:error:badNonce")
            {
                continue;
            }
            throw new AcmeException($"{url}: {(int)response.StatusCode} {problem?["type"]} {problem?["detail"]}");
        }
    }

    private async Task<string> NewNonceAsync(CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, Endpoint("newNonce"));
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        return response.Headers.TryGetValues("Replay-Nonce", out var values) ? values.First()
            : throw new AcmeException($"newNonce answered {(int)response.StatusCode} without a Replay-Nonce");
    }
}
