using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Serverless.Mail.Security.Acme;

/// <summary>
/// An ACME account key (ECDSA P-256, "ES256") and the two things RFC 8555 builds from it: the JWS
/// that wraps every request (§6.2, flattened JSON serialization, RFC 7515 §7.2.2) and the key
/// authorization of a challenge (§8.1: token "." base64url(JWK thumbprint), RFC 7638).
/// </summary>
public sealed class AcmeAccountKey : IDisposable
{
    private readonly ECDsa _key;

    public AcmeAccountKey(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _key = key;
        var p = key.ExportParameters(includePrivateParameters: false);
        Jwk = new JsonObject
        {
            ["crv"] = "P-256",
            ["kty"] = "EC",
            ["x"] = Base64Url(p.Q.X!),
            ["y"] = Base64Url(p.Q.Y!),
        };
        // RFC 7638 §3: the required members only, in lexicographic order, no white space.
        var canonical = $"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{Base64Url(p.Q.X!)}\",\"y\":\"{Base64Url(p.Q.Y!)}\"}}";
        Thumbprint = Base64Url(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    public static AcmeAccountKey Create() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>The account key as PKCS#8 PEM, to keep it (an account is its key).</summary>
    public string ExportPem() => _key.ExportPkcs8PrivateKeyPem();

    public static AcmeAccountKey ImportPem(string pem)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(pem);
        return new AcmeAccountKey(key);
    }

    public JsonObject Jwk { get; }

    /// <summary>base64url(SHA-256(canonical JWK)).</summary>
    public string Thumbprint { get; }

    /// <summary>RFC 8555 §8.1.</summary>
    public string KeyAuthorization(string token) => token + "." + Thumbprint;

    /// <summary>
    /// The request body: protected header with <c>alg</c>, <c>nonce</c>, <c>url</c> and either the
    /// account URL (<c>kid</c>) or, before there is one, the key itself (<c>jwk</c>); payload null
    /// means POST-as-GET (§6.3: an empty payload).
    /// </summary>
    public string Sign(Uri url, string nonce, string? kid, JsonNode? payload)
    {
        var header = new JsonObject { ["alg"] = "ES256", ["nonce"] = nonce, ["url"] = url.ToString() };
        if (kid is null)
        {
            header["jwk"] = Jwk.DeepClone();
        }
        else
        {
            header["kid"] = kid;
        }
        var protectedPart = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString()));
        var payloadPart = payload is null ? "" : Base64Url(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        // ES256 signatures are r || s, 32 bytes each (RFC 7518 §3.4): .NET's default IEEE P1363 format.
        var signature = _key.SignData(Encoding.ASCII.GetBytes(protectedPart + "." + payloadPart), HashAlgorithmName.SHA256);
        return JsonSerializer.Serialize(new { @protected = protectedPart, payload = payloadPart, signature = Base64Url(signature) });
    }

    public static string Base64Url(ReadOnlySpan<byte> data) =>
        Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s + new string('=', (4 - s.Length % 4) % 4));
    }

    public void Dispose() => _key.Dispose();
}
