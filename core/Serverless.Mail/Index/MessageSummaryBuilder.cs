using MimeKit;
using Serverless.Mail.Model;

namespace Serverless.Mail.Index;

/// <summary>
/// Builds a <see cref="MessageSummary"/> by parsing a raw message once with MimeKit, recording
/// the parser's offsets for every entity.
/// </summary>
public static class MessageSummaryBuilder
{
    /// <summary>Parses <paramref name="raw"/> (positioned at the message start) and summarises it.</summary>
    public static async Task<(MessageSummary Summary, MimeMessage Message)> BuildAsync(Stream raw, CancellationToken cancellationToken = default)
    {
        var offsets = new Dictionary<MimeEntity, (long Begin, long HeadersEnd, long End, long Lines)>(ReferenceEqualityComparer.Instance);
        long rootHeadersEnd = -1;
        // Keep the first bytes as they go by, so the raw header can be stored without a second read.
        var counted = new CountingStream(raw);
        // Disposing it gives back its memory; the stream it reads is the caller's and stays open.
        using var capture = new HeaderCaptureStream(counted, MessageSummary.MaxRawHeader);
        var parser = new MimeParser(capture, MimeFormat.Entity, persistent: false);
        parser.MimeEntityEnd += (_, e) => offsets[e.Entity] = (e.BeginOffset, e.HeadersEndOffset, e.EndOffset, e.Lines);
        parser.MimeMessageEnd += (_, e) =>
        {
            if (e.Parent is null)
            {
                rootHeadersEnd = e.HeadersEndOffset;
            }
        };
        MimeMessage message;
        try
        {
            message = await parser.ParseMessageAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (FormatException)
        {
            // MimeKit refuses a message whose first line is not a header field. It is still a message the
            // service holds (an IMAP APPEND, a blob read back without trace headers): summarise it as IMAP
            // sees it — no header fields, the whole content a text/plain body — instead of failing every
            // FETCH of it or poisoning its hand-off. (Found by the mime-summary fuzz target.)
            return await HeaderlessAsync(counted, cancellationToken).ConfigureAwait(false);
        }
        var summary = new MessageSummary
        {
            HeaderLength = Math.Max(0, rootHeadersEnd),
            RawHeader = rootHeadersEnd >= 0 && rootHeadersEnd <= capture.Captured.Length
                ? System.Text.Encoding.Latin1.GetString(capture.Captured.Span[..(int)rootHeadersEnd])
                : null,
            Envelope = Envelope(message),
            Body = message.Body is null ? EmptyBody : Part(message.Body, offsets, 0),
        };
        return (summary, message);
    }

    private static readonly MimePartSummary EmptyBody = new() { Type = "text", Subtype = "plain" };

    private static async Task<(MessageSummary Summary, MimeMessage Message)> HeaderlessAsync(CountingStream counted, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        while (await counted.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
        {
            // drain what the parser left, counting bytes and lines
        }
        var summary = new MessageSummary
        {
            HeaderLength = 0,
            RawHeader = "",
            Envelope = new EnvelopeSummary(),
            Body = EmptyBody with { BodyOffset = 0, EndOffset = counted.Position, Lines = counted.Lines },
        };
        return (summary, new MimeMessage { Body = new TextPart("plain") });
    }

    public static EnvelopeSummary Envelope(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var h = message.Headers;
        var from = Addresses(message.From);
        return new EnvelopeSummary
        {
            Date = Raw(h, HeaderId.Date),
            Subject = Raw(h, HeaderId.Subject),
            From = from,
            // RFC 3501: Sender and Reply-To default to From when absent.
            Sender = message.Sender is not null ? Addresses([message.Sender]) : from,
            ReplyTo = message.ReplyTo.Count > 0 ? Addresses(message.ReplyTo) : from,
            To = Addresses(message.To),
            Cc = Addresses(message.Cc),
            Bcc = Addresses(message.Bcc),
            InReplyTo = Raw(h, HeaderId.InReplyTo),
            MessageId = Raw(h, HeaderId.MessageId),
        };
    }

    private static string? Raw(HeaderList headers, HeaderId id)
    {
        var i = headers.IndexOf(id);
        if (i < 0)
        {
            return null;
        }
        // The raw value, unfolded, as RFC 3501 wants envelope strings (encoded-words left as they are).
        var raw = System.Text.Encoding.UTF8.GetString(headers[i].RawValue);
        return raw.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Trim();
    }

    private static List<AddressSummary>? Addresses(IEnumerable<InternetAddress> list)
    {
        var result = new List<AddressSummary>();
        foreach (var a in list)
        {
            Add(result, a);
        }
        return result.Count == 0 ? null : result;
    }

    private static void Add(List<AddressSummary> result, InternetAddress address)
    {
        switch (address)
        {
            case MailboxAddress m:
                var at = m.Address.LastIndexOf('@');
                var local = at < 0 ? m.Address : m.Address[..at];
                var host = at < 0 ? "" : m.Address[(at + 1)..];
                var route = m.Route.Count > 0 ? string.Join(',', m.Route.Select(d => "@" + d)) : null;
                result.Add(new AddressSummary(string.IsNullOrEmpty(m.Name) ? null : m.Name, local, host, route));
                break;
            case GroupAddress g:
                result.Add(new AddressSummary(null, g.Name, null));
                foreach (var member in g.Members)
                {
                    Add(result, member);
                }
                result.Add(new AddressSummary(null, null, null));
                break;
        }
    }

    /// <summary>
    /// How deep multiparts and attached messages are described. Real mail nests a handful of levels; a
    /// nesting bomb would otherwise make a summary deeper than JSON serialisation allows (64), so the
    /// hand-off and the index row could not be written. Deeper entities are summarised as one opaque
    /// part whose bytes are still there (BODY[] and the section of that part serve them).
    /// </summary>
    public const int MaxNesting = 16;

    private static MimePartSummary Part(MimeEntity entity, Dictionary<MimeEntity, (long Begin, long HeadersEnd, long End, long Lines)> offsets, int depth)
    {
        offsets.TryGetValue(entity, out var o);
        if (depth >= MaxNesting && entity is Multipart or MessagePart)
        {
            return new MimePartSummary
            {
                Type = "application",
                Subtype = "octet-stream",
                HeaderOffset = o.Begin,
                BodyOffset = o.HeadersEnd,
                EndOffset = o.End,
                Lines = o.Lines,
            };
        }
        var ct = entity.ContentType;
        var disposition = entity.ContentDisposition;
        var language = entity.Headers[HeaderId.ContentLanguage];
        List<MimePartSummary>? parts = null;
        EnvelopeSummary? menv = null;
        MimePartSummary? mbody = null;
        string? encoding = null;
        string? md5 = null;
        switch (entity)
        {
            case Multipart multipart:
                parts = multipart.Select(child => Part(child, offsets, depth + 1)).ToList();
                break;
            case MessagePart { Message: not null } mp:
                menv = Envelope(mp.Message);
                mbody = mp.Message.Body is null ? EmptyBody : Part(mp.Message.Body, offsets, depth + 1);
                encoding = Header(entity, HeaderId.ContentTransferEncoding);
                break;
            case MimePart part:
                encoding = Header(entity, HeaderId.ContentTransferEncoding);
                md5 = part.ContentMd5;
                break;
        }
        return new MimePartSummary
        {
            Type = ct.MediaType,
            Subtype = ct.MediaSubtype,
            Parameters = ct.Parameters.Count == 0 ? null : ct.Parameters.Select(p => new KeyValuePair<string, string>(p.Name, p.Value)).ToList(),
            ContentId = Header(entity, HeaderId.ContentId),
            Description = Header(entity, HeaderId.ContentDescription),
            Encoding = encoding,
            Md5 = md5,
            Disposition = disposition?.Disposition,
            DispositionParameters = disposition is null || disposition.Parameters.Count == 0 ? null
                : disposition.Parameters.Select(p => new KeyValuePair<string, string>(p.Name, p.Value)).ToList(),
            Language = string.IsNullOrWhiteSpace(language) ? null
                : language.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList(),
            Location = Header(entity, HeaderId.ContentLocation),
            HeaderOffset = o.Begin,
            BodyOffset = o.HeadersEnd,
            EndOffset = o.End,
            Lines = o.Lines,
            Parts = parts,
            MessageEnvelope = menv,
            MessageBody = mbody,
        };
    }

    private static string? Header(MimeEntity entity, HeaderId id)
    {
        var v = entity.Headers[id];
        return string.IsNullOrWhiteSpace(v) ? null : v.Trim();
    }
}
