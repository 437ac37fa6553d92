using System.Text;

namespace Serverless.Protocols.Smtp;

/// <summary>
/// RFC 3461 4 xtext, used by ENVID, ORCPT and the MAIL AUTH parameter:
/// <code>
/// xtext    = *( xchar / hexchar )
/// xchar    = any ASCII CHAR between "!" (33) and "~" (126) inclusive, except for "+" and "="
/// hexchar  = ASCII "+" immediately followed by two upper case hexadecimal digits
/// </code>
/// </summary>
public static class XText
{
    public static bool TryDecode(string text, out string decoded)
    {
        ArgumentNullException.ThrowIfNull(text);
        decoded = "";
        var bytes = new List<byte>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '+')
            {
                if (i + 2 >= text.Length || !IsUpperHex(text[i + 1]) || !IsUpperHex(text[i + 2]))
                {
                    return false;
                }
                bytes.Add(Convert.ToByte(text.Substring(i + 1, 2), 16));
                i += 2;
            }
            else if (c is >= '!' and <= '~' && c != '=')
            {
                bytes.Add((byte)c);
            }
            else if (c > 127 && !char.IsControl(c))
            {
                // RFC 6533 utf-8-addr-xtext: UTF-8 is allowed as is.
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
            else
            {
                return false;
            }
        }
        try
        {
            decoded = new UTF8Encoding(false, true).GetString(bytes.ToArray());
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        return true;
    }

    public static string Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            if (b is >= (byte)'!' and <= (byte)'~' && b != (byte)'+' && b != (byte)'=')
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append('+').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return sb.ToString();
    }

    private static bool IsUpperHex(char c) => char.IsAsciiDigit(c) || c is >= 'A' and <= 'F';
}
