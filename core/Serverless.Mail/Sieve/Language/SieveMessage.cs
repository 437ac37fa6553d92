using System.Text;
using MimeKit;

namespace Serverless.Mail.Sieve.Language;

/// <summary>
/// What a script sees of one message for one recipient: the top-level header fields (values
/// unfolded and RFC 2047-decoded by MimeKit), the envelope, the size and the body parts. The spam
/// verdict of the ingest is shown as <c>X-Spam-Flag: YES</c> or <c>NO</c>; fields of that name in the
/// message itself are hidden, so a sender cannot vouch for their own mail.
/// </summary>
public sealed class SieveMessage
{
    public const string SpamHeader = "X-Spam-Flag";

    private string? _raw;

    public SieveMessage(MimeMessage mime, string envelopeFrom, string envelopeTo, long size, bool junk)
    {
        Mime = mime ?? throw new ArgumentNullException(nameof(mime));
        EnvelopeFrom = envelopeFrom ?? "";
        EnvelopeTo = envelopeTo ?? "";
        Size = size;
        Junk = junk;
    }

    public MimeMessage Mime { get; }

    /// <summary>The envelope sender; empty for the null sender.</summary>
    public string EnvelopeFrom { get; }

    /// <summary>The envelope recipient this copy is filed for.</summary>
    public string EnvelopeTo { get; }

    public long Size { get; }

    public bool Junk { get; }

    public IReadOnlyList<string> Header(string name)
    {
        if (string.Equals(name, SpamHeader, StringComparison.OrdinalIgnoreCase))
        {
            return [Junk ? "YES" : "NO"];
        }
        return Mime.Headers.Where(h => string.Equals(h.Field, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value.Trim()).ToList();
    }

    /// <summary>The addresses in the named header fields (groups flattened), as local@domain.</summary>
    public IReadOnlyList<MailboxAddress> Addresses(string name)
    {
        var list = new List<MailboxAddress>();
        if (string.Equals(name, SpamHeader, StringComparison.OrdinalIgnoreCase))
        {
            return list;
        }
        foreach (var h in Mime.Headers.Where(h => string.Equals(h.Field, name, StringComparison.OrdinalIgnoreCase)))
        {
            if (InternetAddressList.TryParse(ParserOptions.Default, h.RawValue, out var parsed))
            {
                list.AddRange(parsed.Mailboxes);
            }
        }
        return list;
    }

    /// <summary>RFC 5173 body transforms: :raw (the undecoded body), :content types (decoded parts), :text (the default; text parts).</summary>
    public IReadOnlyList<string> Body(string transform, IReadOnlyList<string>? contentTypes)
    {
        switch (transform)
        {
            case "raw":
                return [_raw ??= RawBody()];
            case "content":
                var list = new List<string>();
                foreach (var entity in Mime.BodyParts)
                {
                    if (contentTypes!.Any(t => TypeMatches(entity.ContentType, t)))
                    {
                        list.Add(Decoded(entity));
                    }
                }
                return list;
            default:
                return Mime.BodyParts.OfType<TextPart>().Where(p => !p.IsAttachment).Select(p => p.Text ?? "").ToList();
        }
    }

    private static bool TypeMatches(ContentType type, string wanted) =>
        wanted.Length == 0
        || (wanted.Contains('/', StringComparison.Ordinal)
            ? string.Equals(type.MimeType, wanted, StringComparison.OrdinalIgnoreCase)
            : string.Equals(type.MediaType, wanted, StringComparison.OrdinalIgnoreCase));

    private static string Decoded(MimeEntity entity)
    {
        if (entity is TextPart text)
        {
            return text.Text ?? "";
        }
        if (entity is MimePart { Content: not null } part)
        {
            using var bytes = new MemoryStream();
            part.Content.DecodeTo(bytes);
            return Encoding.UTF8.GetString(bytes.GetBuffer(), 0, (int)Math.Min(bytes.Length, 1 << 20));
        }
        return "";
    }

    private string RawBody()
    {
        using var bytes = new MemoryStream();
        Mime.WriteTo(bytes);
        var all = Encoding.UTF8.GetString(bytes.GetBuffer(), 0, (int)bytes.Length);
        var end = all.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var lf = all.IndexOf("\n\n", StringComparison.Ordinal);
        return end >= 0 ? all[(end + 4)..] : lf >= 0 ? all[(lf + 2)..] : "";
    }
}
