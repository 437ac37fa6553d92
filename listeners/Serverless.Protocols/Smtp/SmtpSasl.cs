using System.Text;

namespace Serverless.Protocols.Smtp;

/// <summary>
/// Decoding of the SASL mechanisms SMTP AUTH offers (RFC 4954). PLAIN, RFC 4616 2:
/// <code>
/// message   = [authzid] UTF8NUL authcid UTF8NUL passwd
/// </code>
/// LOGIN (draft-murchison-sasl-login): the user name and then the password, each base64 in its own line.
/// </summary>
public static class SmtpSasl
{
    /// <summary>Base64 of "Username:" and "Password:", the LOGIN challenges every client expects.</summary>
    public const string LoginUserChallenge = "VXNlcm5hbWU6";

    public const string LoginPasswordChallenge = "UGFzc3dvcmQ6";

    public static bool TryDecodeBase64Utf8(string text, out string value)
    {
        ArgumentNullException.ThrowIfNull(text);
        value = "";
        if (text == "=")
        {
            return true; // RFC 4954: "=" is an empty initial response
        }
        var buffer = new byte[(text.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(text, buffer, out var n))
        {
            return false;
        }
        try
        {
            value = new UTF8Encoding(false, true).GetString(buffer, 0, n);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        return true;
    }

    /// <summary>Splits a decoded PLAIN message; fails unless it has exactly three NUL-separated fields with a user and a password.</summary>
    public static bool TryParsePlain(string message, out string authorizationId, out string user, out string password)
    {
        ArgumentNullException.ThrowIfNull(message);
        authorizationId = user = password = "";
        var parts = message.Split('\0');
        if (parts.Length != 3 || parts[1].Length == 0 || parts[2].Length == 0)
        {
            return false;
        }
        (authorizationId, user, password) = (parts[0], parts[1], parts[2]);
        return true;
    }
}
