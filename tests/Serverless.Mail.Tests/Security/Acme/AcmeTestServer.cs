using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Serverless.Mail.Security.Acme;

namespace Serverless.Mail.Tests.Security.Acme;

/// <summary>
/// An ACME server (RFC 8555) in the test process, speaking the RFC's messages: directory, nonces
/// (each good once; <see cref="RejectNextNonce"/> answers one badNonce), JWS checked (ES256 over
/// the protected header and payload, <c>url</c> equal to the request's, <c>jwk</c> only for
/// newAccount, <c>kid</c> after), accounts, orders, authorizations, HTTP-01 validated by fetching
/// <c>/.well-known/acme-challenge/{token}</c> from <see cref="ValidationPort"/> on loopback (where a
/// real CA would ask port 80 of the name), finalize with the CSR's names checked against the order,
/// and a PEM chain issued by its own CA. No Let's Encrypt test server (Pebble) installs from the
/// package registries reachable here, so this one stands in.
/// </summary>
public sealed class AcmeTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, bool> _nonces = new();
    private readonly ConcurrentDictionary<string, ECDsa> _accounts = new();
    private readonly ConcurrentDictionary<string, JsonObject> _orders = new();
    private readonly ConcurrentDictionary<string, JsonObject> _authorizations = new();
    private readonly ConcurrentDictionary<string, string> _certificates = new();
    private readonly X509Certificate2 _ca;
    private int _next;

    private AcmeTestServer(WebApplication app, X509Certificate2 ca)
    {
        _app = app;
        _ca = ca;
    }

    public Uri Directory => new(BaseUrl + "directory");

    public string BaseUrl { get; private set; } = "";

    /// <summary>The loopback port HTTP-01 validation connects to.</summary>
    public int ValidationPort { get; set; }

    public bool RejectNextNonce { get; set; }

    public int AccountsCreated { get; private set; }

    public X509Certificate2 Ca => _ca;

    public static async Task<AcmeTestServer> StartAsync()
    {
        var caKey = RSA.Create(2048); // kept: the CA certificate signs with it
        var caRequest = new CertificateRequest("CN=ACME test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new AcmeTestServer(app, ca);
        app.MapGet("/directory", () => Results.Json(new Dictionary<string, string>
        {
            ["newNonce"] = server.BaseUrl + "new-nonce",
            ["newAccount"] = server.BaseUrl + "new-account",
            ["newOrder"] = server.BaseUrl + "new-order",
        }));
        app.MapMethods("/new-nonce", ["HEAD", "GET"], (HttpContext c) =>
        {
            server.AddNonce(c);
            return Results.Ok();
        });
        app.MapPost("/{**path}", server.HandleAsync);
        await app.StartAsync();
        server.BaseUrl = app.Urls.Single().TrimEnd('/') + "/";
        return server;
    }

    private void AddNonce(HttpContext context)
    {
        var nonce = AcmeAccountKey.Base64Url(RandomNumberGenerator.GetBytes(16));
        _nonces[nonce] = true;
        context.Response.Headers["Replay-Nonce"] = nonce;
        context.Response.Headers.CacheControl = "no-store";
    }

    private static IResult Problem(string type, string detail, int status = 400) =>
        Results.Json(new { type = "urn:ietf:params:acme:error:" + type, detail }, contentType: "application/problem+json", statusCode: status);

    private async Task<IResult> HandleAsync(HttpContext context, string path)
    {
        AddNonce(context);
        if (context.Request.ContentType != "application/jose+json")
        {
            return Problem("malformed", "Content-Type must be application/jose+json", 415);
        }
        var jws = (JsonObject)(await JsonNode.ParseAsync(context.Request.Body))!;
        var protectedPart = (string)jws["protected"]!;
        var payloadPart = (string)jws["payload"]!;
        var header = JsonNode.Parse(AcmeAccountKey.FromBase64Url(protectedPart))!;
        if ((string?)header["alg"] != "ES256")
        {
            return Problem("badSignatureAlgorithm", "ES256 only");
        }
        if (RejectNextNonce)
        {
            RejectNextNonce = false;
            return Problem("badNonce", "try again with the nonce in this answer");
        }
        if (!_nonces.TryRemove((string?)header["nonce"] ?? "", out _))
        {
            return Problem("badNonce", "unknown or used nonce");
        }
        if ((string?)header["url"] != BaseUrl + path)
        {
            return Problem("unauthorized", "the JWS url is not this request's URL", 401);
        }
        ECDsa? key;
        string? account = null;
        if (path == "new-account")
        {
            if (header["jwk"] is not JsonObject jwk || header["kid"] is not null)
            {
                return Problem("malformed", "newAccount is signed with jwk");
            }
            key = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = AcmeAccountKey.FromBase64Url((string)jwk["x"]!), Y = AcmeAccountKey.FromBase64Url((string)jwk["y"]!) },
            });
        }
        else
        {
            account = (string?)header["kid"];
            if (header["jwk"] is not null || account is null || !_accounts.TryGetValue(account, out key))
            {
                return Problem("accountDoesNotExist", "requests after newAccount name the account with kid", 401);
            }
        }
        if (!key.VerifyData(Encoding.ASCII.GetBytes(protectedPart + "." + payloadPart), AcmeAccountKey.FromBase64Url((string)jws["signature"]!), HashAlgorithmName.SHA256))
        {
            return Problem("malformed", "bad signature");
        }
        var payload = payloadPart.Length == 0 ? null : JsonNode.Parse(AcmeAccountKey.FromBase64Url(payloadPart));
        return path switch
        {
            "new-account" => NewAccount(context, key),
            "new-order" => NewOrder(context, payload!),
            _ when path.StartsWith("authz/", StringComparison.Ordinal) => Results.Json(_authorizations[path]),
            _ when path.StartsWith("chall/", StringComparison.Ordinal) => await ValidateAsync(path, account!),
            _ when path.StartsWith("finalize/", StringComparison.Ordinal) => Finalize(path["finalize/".Length..], payload!),
            _ when path.StartsWith("order/", StringComparison.Ordinal) => Results.Json(_orders[path["order/".Length..]]),
            _ when path.StartsWith("cert/", StringComparison.Ordinal) => Results.Text(_certificates[path], "application/pem-certificate-chain"),
            _ => Problem("malformed", "no such resource", 404),
        };
    }

    private IResult NewAccount(HttpContext context, ECDsa key)
    {
        var x = AcmeAccountKey.Base64Url(key.ExportParameters(false).Q.X!);
        var existing = _accounts.FirstOrDefault(a => AcmeAccountKey.Base64Url(a.Value.ExportParameters(false).Q.X!) == x).Key;
        if (existing is not null)
        {
            context.Response.Headers.Location = existing;
            return Results.Json(new { status = "valid" });
        }
        var url = BaseUrl + "account/" + Interlocked.Increment(ref _next);
        _accounts[url] = key;
        AccountsCreated++;
        context.Response.Headers.Location = url;
        return Results.Json(new { status = "valid" }, statusCode: 201);
    }

    private IResult NewOrder(HttpContext context, JsonNode payload)
    {
        var id = Interlocked.Increment(ref _next).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var authorizations = new JsonArray();
        foreach (var identifier in payload["identifiers"]!.AsArray())
        {
            var authz = "authz/" + Interlocked.Increment(ref _next);
            var token = AcmeAccountKey.Base64Url(RandomNumberGenerator.GetBytes(16));
            _authorizations[authz] = new JsonObject
            {
                ["status"] = "pending",
                ["identifier"] = identifier!.DeepClone(),
                ["order"] = id,
                ["challenges"] = new JsonArray(new JsonObject { ["type"] = "http-01", ["url"] = BaseUrl + "chall/" + authz, ["token"] = token, ["status"] = "pending" }),
            };
            authorizations.Add(BaseUrl + authz);
        }
        _orders[id] = new JsonObject
        {
            ["status"] = "pending",
            ["identifiers"] = payload["identifiers"]!.DeepClone(),
            ["authorizations"] = authorizations,
            ["finalize"] = BaseUrl + "finalize/" + id,
        };
        context.Response.Headers.Location = BaseUrl + "order/" + id;
        return Results.Json(_orders[id], statusCode: 201);
    }

    private async Task<IResult> ValidateAsync(string path, string account)
    {
        var authz = _authorizations[path["chall/".Length..]];
        var challenge = authz["challenges"]![0]!;
        var token = (string)challenge["token"]!;
        string expected;
        using (var key = new AcmeAccountKey(ECDsa.Create(_accounts[account].ExportParameters(false))))
        {
            expected = key.KeyAuthorization(token);
        }
        string? served = null;
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            // RFC 8555 §8.3: GET http://{domain}/.well-known/acme-challenge/{token}, Host header the name.
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{ValidationPort}/.well-known/acme-challenge/{token}");
            request.Headers.Host = (string)authz["identifier"]!["value"]!;
            using var response = await http.SendAsync(request);
            served = response.IsSuccessStatusCode ? (await response.Content.ReadAsStringAsync()).Trim() : null;
        }
        catch (HttpRequestException)
        {
        }
        var ok = served == expected;
        challenge["status"] = ok ? "valid" : "invalid";
        authz["status"] = ok ? "valid" : "invalid";
        if (!ok)
        {
            challenge["error"] = new JsonObject { ["type"] = "urn:ietf:params:acme:error:incorrectResponse", ["detail"] = $"expected {expected}, got {served ?? "nothing"}" };
        }
        var order = _orders[(string)authz["order"]!];
        var all = order["authorizations"]!.AsArray().Select(a => _authorizations[((string)a!)[BaseUrl.Length..]]["status"]!.GetValue<string>()).ToList();
        order["status"] = all.All(s => s == "valid") ? "ready" : all.Any(s => s == "invalid") ? "invalid" : "pending";
        return Results.Json(challenge);
    }

    private IResult Finalize(string id, JsonNode payload)
    {
        var order = _orders[id];
        if ((string?)order["status"] != "ready")
        {
            return Problem("orderNotReady", "authorize first", 403);
        }
        var csr = CertificateRequest.LoadSigningRequest(AcmeAccountKey.FromBase64Url((string)payload["csr"]!), HashAlgorithmName.SHA256,
            CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
        var san = new X509SubjectAlternativeNameExtension(csr.CertificateExtensions.Single(e => e.Oid?.Value == "2.5.29.17").RawData);
        var names = san.EnumerateDnsNames().Order().ToList();
        var ordered = order["identifiers"]!.AsArray().Select(i => (string)i!["value"]!).Order().ToList();
        if (!names.SequenceEqual(ordered))
        {
            return Problem("badCSR", "the CSR's names are not the order's");
        }
        csr.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        using var leaf = csr.Create(_ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(90), RandomNumberGenerator.GetBytes(12));
        var cert = "cert/" + id;
        _certificates[cert] = leaf.ExportCertificatePem() + "\n" + _ca.ExportCertificatePem() + "\n";
        order["status"] = "valid";
        order["certificate"] = BaseUrl + cert;
        return Results.Json(order);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _ca.Dispose();
    }
}
