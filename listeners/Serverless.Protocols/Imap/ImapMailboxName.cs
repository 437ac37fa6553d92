using System.Text;
using Serverless.Mail.Model;

namespace Serverless.Protocols.Imap;

/// <summary>
/// Mailbox names on the wire: modified UTF-7 (RFC 3501 5.1.3), "/" as the hierarchy delimiter,
/// and INBOX in any case meaning INBOX.
/// <code>
/// mailbox         = "INBOX" / astring
///                     ; INBOX is case-insensitive.
/// modified UTF-7: printable US-ASCII except "&amp;" stands for itself; "&amp;-" is "&amp;";
///                 anything else is "&amp;" + modified BASE64 of UTF-16BE ("," for "/", no "=") + "-"
/// </code>
/// </summary>
public static class ImapMailboxName
{
    public const char Delimiter = FolderNames.Delimiter;

    private static readonly Encoding StrictUtf16 = new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true);

    /// <summary>A name as the client sent it, decoded, with INBOX normalised. Throws on broken modified UTF-7.</summary>
    public static string FromWire(string wire)
    {
        ArgumentNullException.ThrowIfNull(wire);
        var decoded = DecodeModifiedUtf7(wire) ?? throw new ImapMailboxNameException("Mailbox name is not valid modified UTF-7");
        return FolderNames.Normalize(decoded);
    }

    /// <summary>A name as an IMAP4rev2 client sent it (UTF-8, RFC 9051 5.1): NFC, with INBOX normalised; "&amp;" is itself.</summary>
    public static string FromUtf8Wire(string wire)
    {
        ArgumentNullException.ThrowIfNull(wire);
        return FolderNames.Normalize(wire.Normalize(NormalizationForm.FormC));
    }

    public static string ToWire(string name) => EncodeModifiedUtf7(name);

    public static string EncodeModifiedUtf7(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length + 8);
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c is >= (char)0x20 and <= (char)0x7e)
            {
                sb.Append(c == '&' ? "&-" : c.ToString());
                i++;
                continue;
            }
            var start = i;
            while (i < text.Length && text[i] is < (char)0x20 or > (char)0x7e)
            {
                i++;
            }
            var bytes = Encoding.BigEndianUnicode.GetBytes(text.ToCharArray(start, i - start));
            sb.Append('&').Append(Convert.ToBase64String(bytes).TrimEnd('=').Replace('/', ',')).Append('-');
        }
        return sb.ToString();
    }

    /// <summary>Decodes modified UTF-7; null if it is malformed. Non-ASCII input (UTF-8 names) passes through.</summary>
    public static string? DecodeModifiedUtf7(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Contains('&', StringComparison.Ordinal))
        {
            return text;
        }
        var sb = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c != '&')
            {
                sb.Append(c);
                i++;
                continue;
            }
            var end = text.IndexOf('-', i + 1);
            if (end < 0)
            {
                return null;
            }
            if (end == i + 1)
            {
                sb.Append('&');
                i = end + 1;
                continue;
            }
            var b64 = text[(i + 1)..end].Replace(',', '/');
            if (b64.Contains('=', StringComparison.Ordinal))
            {
                return null;
            }
            var padded = (b64.Length % 4) switch
            {
                0 => b64,
                2 => b64 + "==",
                3 => b64 + "=",
                _ => null,
            };
            if (padded is null)
            {
                return null;
            }
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(padded);
            }
            catch (FormatException)
            {
                return null;
            }
            if (bytes.Length % 2 != 0)
            {
                return null;
            }
            string chunk;
            try
            {
                chunk = StrictUtf16.GetString(bytes);
            }
            catch (ArgumentException)
            {
                return null; // a lone surrogate names no character (and storage could not hold it)
            }
            if (chunk.Any(ch => ch is >= (char)0x20 and <= (char)0x7e))
            {
                return null; // printable ASCII must not be encoded (RFC 3501 5.1.3)
            }
            sb.Append(chunk);
            i = end + 1;
        }
        return sb.ToString();
    }
}
