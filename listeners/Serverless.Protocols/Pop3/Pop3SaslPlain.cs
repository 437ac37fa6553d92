using System.Text;

namespace Serverless.Protocols.Pop3;

/// <summary>
/// Decodes a SASL PLAIN response as AUTH PLAIN carries it in base64.
/// <code>
/// ; RFC 4616 section 2
/// message   = [authzid] UTF8NUL authcid UTF8NUL passwd
/// authcid   = 1*SAFE            ; at most 255 octets
/// passwd    = 1*SAFE            ; at most 255 octets
/// SAFE      = any UTF-8 character except NUL
/// </code>
/// </summary>
public static class Pop3SaslPlain
{
    public static bool TryDecode(string base64, out string authorizationId, out string authenticationId, out string password)
    {
        authorizationId = authenticationId = password = "";
        if (string.IsNullOrEmpty(base64) || base64.Length > 4096)
        {
            return false;
        }
        var raw = new byte[(base64.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(base64, raw, out var length))
        {
            return false;
        }
        var span = raw.AsSpan(0, length);
        var first = span.IndexOf((byte)0);
        if (first < 0)
        {
            return false;
        }
        var second = span[(first + 1)..].IndexOf((byte)0);
        if (second < 0)
        {
            return false;
        }
        var authz = span[..first];
        var authc = span.Slice(first + 1, second);
        var pass = span[(first + second + 2)..];
        if (authc.IsEmpty || pass.IsEmpty || authc.Length > 255 || pass.Length > 255 || pass.IndexOf((byte)0) >= 0)
        {
            return false;
        }
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        try
        {
            authorizationId = utf8.GetString(authz);
            authenticationId = utf8.GetString(authc);
            password = utf8.GetString(pass);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        finally
        {
            raw.AsSpan().Clear(); // the password should not linger in memory longer than needed
        }
        return true;
    }
}
