using System.Net;
using System.Text;

namespace Serverless.Mail.Spam.Bayes;

/// <summary>
/// The visible text of an HTML part for tokenizing: tags removed (each tag name noted once as an
/// "html-tag:" token, since spam leans on img/font/table layouts), script and style contents
/// dropped, comments removed (spam hides words in them), entities decoded. Not a full HTML parser:
/// a single forward pass, linear in the input.
/// </summary>
internal static class HtmlText
{
    public static string Strip(string html, TokenSet tokens)
    {
        var sb = new StringBuilder(html.Length / 2);
        var span = html.AsSpan();
        var i = 0;
        while (i < span.Length)
        {
            var lt = span[i..].IndexOf('<');
            if (lt < 0)
            {
                sb.Append(span[i..]);
                break;
            }
            sb.Append(span.Slice(i, lt)).Append(' ');
            i += lt;
            if (span[i..].StartsWith("<!--", StringComparison.Ordinal))
            {
                var end = span[(i + 4)..].IndexOf("-->", StringComparison.Ordinal);
                tokens.Add("html:comment");
                i = end < 0 ? span.Length : i + 4 + end + 3;
                continue;
            }
            var gt = span[i..].IndexOf('>');
            if (gt < 0)
            {
                break;
            }
            var closing = gt > 1 && span[i + 1] == '/';
            var tag = TagName(span.Slice(i + 1, gt - 1));
            i += gt + 1;
            if (tag.Length == 0)
            {
                continue;
            }
            tokens.Add("html-tag:" + tag);
            if (!closing && tag is "script" or "style")
            {
                var close = span[i..].IndexOf(("</" + tag).AsSpan(), StringComparison.OrdinalIgnoreCase);
                i = close < 0 ? span.Length : i + close;
            }
        }
        return WebUtility.HtmlDecode(sb.ToString());
    }

    private static string TagName(ReadOnlySpan<char> inside)
    {
        inside = inside.TrimStart('/');
        var n = 0;
        while (n < inside.Length && n < 12 && char.IsAsciiLetterOrDigit(inside[n]))
        {
            n++;
        }
        return n == 0 ? "" : inside[..n].ToString().ToLowerInvariant();
    }
}
