using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;

namespace Serverless.Protocols.Common;

public enum SaslDecodeStatus
{
    Ok,

    /// <summary>The response is not base64.</summary>
    NotBase64,

    /// <summary>The decoded octets are not UTF-8.</summary>
    NotUtf8,

    /// <summary>A PLAIN message without exactly two NUL separators, or with an empty user or password.</summary>
    Malformed,
}

/// <summary>What a SASL PLAIN message carries. No record: its printed form must not show the password.</summary>
public sealed class SaslPlainCredentials(string authorizationId, string authenticationId, string password)
{
    public string AuthorizationId { get; } = authorizationId;

    public string AuthenticationId { get; } = authenticationId;

    public string Password { get; } = password;

    /// <summary>The client asks to act as someone other than the user it logs in as (not allowed here).</summary>
    public bool ActsForAnother =>
        AuthorizationId.Length > 0 && !string.Equals(AuthorizationId, AuthenticationId, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// The one SASL decoder of SMTP AUTH, IMAP AUTHENTICATE and POP3 AUTH: PLAIN for all three, LOGIN
/// for SMTP. Decoded octets live in a buffer of its own that is cleared before it returns, so a
/// password does not linger beyond the strings handed to the login check.
/// <code>
/// ; RFC 4616 2 (PLAIN), carried in base64 (RFC 4954 4, RFC 3501 6.2.2, RFC 5034 4)
/// message   = [authzid] UTF8NUL authcid UTF8NUL passwd
/// authcid   = 1*SAFE            ; MUST accept up to 255 octets
/// authzid   = 1*SAFE            ; MUST accept up to 255 octets
/// passwd    = 1*SAFE            ; MUST accept up to 255 octets
/// UTF8NUL   = %x00
/// SAFE      = UTF1 / UTF2 / UTF3 / UTF4   ; any UTF-8 character except NUL
/// ; an empty response is sent as "=" (RFC 4954 4, RFC 4959 3)
/// ; LOGIN (draft-murchison-sasl-login): the user name, then the password, each base64 on its own line
/// </code>
/// </summary>
public static class SaslDecoder
{
    /// <summary>Base64 of "Username:" and "Password:", the LOGIN challenges every client expects.</summary>
    public const string LoginUserChallenge = "VXNlcm5hbWU6";

    public const string LoginPasswordChallenge = "UGFzc3dvcmQ6";

    /// <summary>Decodes a base64 PLAIN response into its three fields.</summary>
    public static SaslDecodeStatus TryDecodePlain(string response, out SaslPlainCredentials? credentials)
    {
        ArgumentNullException.ThrowIfNull(response);
        credentials = null;
        var buffer = new byte[MaxDecodedLength(response)];
        try
        {
            var status = Decode(response, buffer, out var length);
            if (status != SaslDecodeStatus.Ok)
            {
                return status;
            }
            var message = buffer.AsSpan(0, length);
            var first = message.IndexOf((byte)0);
            if (first < 0)
            {
                return SaslDecodeStatus.Malformed;
            }
            var rest = message[(first + 1)..];
            var second = rest.IndexOf((byte)0);
            if (second < 0)
            {
                return SaslDecodeStatus.Malformed;
            }
            var authcid = rest[..second];
            var passwd = rest[(second + 1)..];
            if (authcid.IsEmpty || passwd.IsEmpty || passwd.Contains((byte)0))
            {
                return SaslDecodeStatus.Malformed;
            }
            credentials = new SaslPlainCredentials(Encoding.UTF8.GetString(message[..first]), Encoding.UTF8.GetString(authcid), Encoding.UTF8.GetString(passwd));
            return SaslDecodeStatus.Ok;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    /// <summary>Decodes one base64 LOGIN response (the user name or the password).</summary>
    public static SaslDecodeStatus TryDecodeLogin(string response, out string value)
    {
        ArgumentNullException.ThrowIfNull(response);
        value = "";
        var buffer = new byte[MaxDecodedLength(response)];
        try
        {
            var status = Decode(response, buffer, out var length);
            if (status == SaslDecodeStatus.Ok)
            {
                value = Encoding.UTF8.GetString(buffer, 0, length);
            }
            return status;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    private static int MaxDecodedLength(string base64) => (base64.Length * 3 / 4) + 3;

    private static SaslDecodeStatus Decode(string response, byte[] buffer, out int length)
    {
        length = 0;
        if (response == "=")
        {
            return SaslDecodeStatus.Ok; // the empty response
        }
        if (!Convert.TryFromBase64String(response, buffer, out length))
        {
            return SaslDecodeStatus.NotBase64;
        }
        return Utf8.IsValid(buffer.AsSpan(0, length)) ? SaslDecodeStatus.Ok : SaslDecodeStatus.NotUtf8;
    }
}
