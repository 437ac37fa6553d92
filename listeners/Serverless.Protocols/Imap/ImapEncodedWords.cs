using System.Text;

namespace Serverless.Protocols.Imap;

/// <summary>
/// Decodes RFC 2047 encoded-words in an unstructured header value (Subject, display names) for
/// SORT and THREAD, which compare decoded text (RFC 5256 2.1 step 1). A word in a charset .NET
/// does not know is left as written: it still sorts consistently.
/// <code>
/// encoded-word = "=?" charset ["*" language] "?" ("B" / "Q") "?" encoded-text "?="
/// </code>
/// Whitespace between two adjacent encoded-words is dropped (RFC 2047 6.2).
/// </summary>
public static class ImapEncodedWords
{
    public static string Decode(string? value)
    {
        if (string.IsNullOrEmpty(value) || !value.Contains("=?", StringComparison.Ordinal))
        {
            return value ?? "";
        }
        var sb = new StringBuilder(value.Length);
        var pos = 0;
        var lastWasWord = false;
        while (pos < value.Length)
        {
            var start = value.IndexOf("=?", pos, StringComparison.Ordinal);
            if (start < 0)
            {
                sb.Append(value, pos, value.Length - pos);
                break;
            }
            var between = value[pos..start];
            if (TryWord(value, start, out var decoded, out var end))
            {
                if (!(lastWasWord && between.Length > 0 && string.IsNullOrWhiteSpace(between)))
                {
                    sb.Append(between);
                }
                sb.Append(decoded);
                lastWasWord = true;
                pos = end;
            }
            else
            {
                sb.Append(between).Append("=?");
                lastWasWord = false;
                pos = start + 2;
            }
        }
        return sb.ToString();
    }

    private static bool TryWord(string s, int start, out string decoded, out int end)
    {
        decoded = "";
        end = start;
        var q1 = s.IndexOf('?', start + 2);
        if (q1 < 0 || q1 + 2 >= s.Length || s[q1 + 2] != '?')
        {
            return false;
        }
        var close = s.IndexOf("?=", q1 + 3, StringComparison.Ordinal);
        if (close < 0)
        {
            return false;
        }
        var charset = s[(start + 2)..q1];
        var star = charset.IndexOf('*', StringComparison.Ordinal);
        if (star >= 0)
        {
            charset = charset[..star]; // RFC 2231 language suffix
        }
        var text = s[(q1 + 3)..close];
        if (text.Contains(' ', StringComparison.Ordinal))
        {
            return false;
        }
        Encoding encoding;
        try
        {
            encoding = Encoding.GetEncoding(charset);
        }
        catch (ArgumentException)
        {
            return false;
        }
        byte[] bytes;
        switch (char.ToUpperInvariant(s[q1 + 1]))
        {
            case 'B':
                try
                {
                    var padded = text.Length % 4 == 0 ? text : text + new string('=', 4 - (text.Length % 4));
                    bytes = Convert.FromBase64String(padded);
                }
                catch (FormatException)
                {
                    return false;
                }
                break;
            case 'Q':
                bytes = DecodeQ(text);
                break;
            default:
                return false;
        }
        decoded = encoding.GetString(bytes);
        end = close + 2;
        return true;
    }

    private static byte[] DecodeQ(string text)
    {
        var bytes = new List<byte>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '_')
            {
                bytes.Add((byte)' ');
            }
            else if (c == '=' && i + 2 < text.Length && Uri.IsHexDigit(text[i + 1]) && Uri.IsHexDigit(text[i + 2]))
            {
                bytes.Add((byte)((Uri.FromHex(text[i + 1]) << 4) | Uri.FromHex(text[i + 2])));
                i += 2;
            }
            else
            {
                bytes.Add((byte)c);
            }
        }
        return [.. bytes];
    }
}
