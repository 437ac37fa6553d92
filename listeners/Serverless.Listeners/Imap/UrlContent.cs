using System.Text;
using MimeKit;
using Serverless.Mail.Model;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap;

/// <summary>
/// Writes what a URL names as URLFETCH data: as it is stored (BODY) or with its transfer encoding
/// undone (URLAUTH=BINARY, RFC 5524). BINARY of a message or multipart part decodes each base64 /
/// quoted-printable leaf inside it and labels it <c>Content-Transfer-Encoding: binary</c>, as
/// Dovecot does, so the client gets the parts' real bytes; such a container is decoded in memory
/// up to <see cref="DecodeInMemoryUpTo"/> and sent as stored beyond that.
/// </summary>
internal static class UrlContent
{
    public const int DecodeInMemoryUpTo = 1024 * 1024;

    public static async Task WriteRawAsync(ImapSession session, UrlBytes bytes, CancellationToken cancellationToken)
    {
        await using var stream = await bytes.OpenAsync(ImapUrlResolver.Reader(session), cancellationToken);
        await session.WriteLiteralAsync(stream, bytes.Length, literal8: false, cancellationToken);
    }

    public static async Task WriteBinaryAsync(ImapSession session, UrlBytes bytes, CancellationToken cancellationToken)
    {
        var part = bytes.IsPart ? bytes.Part : null;
        ContentEncoding? encoding;
        try
        {
            encoding = BinaryContent.EncodingOf(part);
        }
        catch (ImapCommandException)
        {
            ImapWire.Raw(session.Output, "NIL"u8); // an encoding that cannot be undone
            return;
        }
        if (encoding is null && part is not null && (part.IsMultipart || ImapStructureWriter.IsEncapsulatedMessage(part)) && bytes.Length <= DecodeInMemoryUpTo)
        {
            var raw = await bytes.ReadAllAsync(ImapUrlResolver.Reader(session), cancellationToken);
            await WriteBytesAsync(session, DecodeLeaves(raw, bytes.Offset, part), cancellationToken);
            return;
        }
        if (bytes.Length <= DecodeInMemoryUpTo)
        {
            var raw = await bytes.ReadAllAsync(ImapUrlResolver.Reader(session), cancellationToken);
            await WriteBytesAsync(session, encoding is { } e ? BinaryContent.Decode(raw, e) : raw, cancellationToken);
            return;
        }
        var reader = ImapUrlResolver.Reader(session);
        if (encoding is not { } enc)
        {
            await using var plain = await bytes.OpenAsync(reader, cancellationToken);
            await session.WriteLiteralAsync(plain, bytes.Length, literal8: true, cancellationToken);
            return;
        }
        // Large: decoded once to learn its size, then again to send it.
        long size;
        await using (var counting = BinaryContent.Decoding(await bytes.OpenAsync(reader, cancellationToken), enc))
        {
            size = await BinaryContent.SkipAsync(counting, long.MaxValue, cancellationToken);
        }
        await using var decoding = BinaryContent.Decoding(await bytes.OpenAsync(reader, cancellationToken), enc);
        await session.WriteLiteralAsync(decoding, size, literal8: true, cancellationToken);
    }

    /// <summary>The container's bytes with every encoded leaf decoded and its header saying so.</summary>
    private static byte[] DecodeLeaves(byte[] raw, long origin, MimePartSummary container, Dictionary<MimePartSummary, Decoded>? decoded = null)
    {
        using var output = new MemoryStream(raw.Length);
        var cursor = 0;
        foreach (var leaf in Leaves(container))
        {
            ContentEncoding? encoding;
            try
            {
                encoding = BinaryContent.EncodingOf(leaf);
            }
            catch (ImapCommandException)
            {
                continue; // left as it is
            }
            var header = (int)(leaf.HeaderOffset - origin);
            var body = (int)(leaf.BodyOffset - origin);
            var end = (int)Math.Min(leaf.BodyOffset + leaf.BodySize - origin, raw.Length);
            if (encoding is not { } e || header < cursor || body > end || end > raw.Length)
            {
                continue;
            }
            output.Write(raw, cursor, header - cursor);
            var labelled = Encoding.Latin1.GetBytes(LabelBinary(Encoding.Latin1.GetString(raw, header, body - header)));
            output.Write(labelled);
            var content = BinaryContent.Decode(raw[body..end], e);
            output.Write(content);
            decoded?.Add(leaf, new Decoded(content.Length, content.AsSpan().Count((byte)'\n'), body - header - labelled.Length));
            cursor = end;
        }
        output.Write(raw, cursor, raw.Length - cursor);
        return output.ToArray();
    }

    /// <summary>A leaf as decoded: its content's size and lines, and how much shorter its relabelled header is.</summary>
    private readonly record struct Decoded(long Size, long Lines, long HeaderShrink);

    /// <summary>
    /// URLFETCH with both BINARY and BODYPARTSTRUCTURE (RFC 5524): the decoded bytes and the
    /// structure of what was sent — sizes and line counts of the decoded content, the encodings
    /// as stored —, which is what Dovecot answers. Null data: an encoding that cannot be undone.
    /// </summary>
    public static async Task<(byte[]? Data, MimePartSummary? Structure)> DecodeWithStructureAsync(ImapSession session, UrlBytes bytes, CancellationToken cancellationToken)
    {
        var raw = await bytes.ReadAllAsync(ImapUrlResolver.Reader(session), cancellationToken);
        if (!bytes.IsPart || bytes.Part is not { } part)
        {
            return (raw, bytes.Part);
        }
        if (part.IsMultipart || ImapStructureWriter.IsEncapsulatedMessage(part))
        {
            var decoded = new Dictionary<MimePartSummary, Decoded>(ReferenceEqualityComparer.Instance);
            var data = DecodeLeaves(raw, bytes.Offset, part, decoded);
            return (data, Adjust(part, decoded).Part);
        }
        ContentEncoding? encoding;
        try
        {
            encoding = BinaryContent.EncodingOf(part);
        }
        catch (ImapCommandException)
        {
            return (null, part);
        }
        var content = encoding is { } e ? BinaryContent.Decode(raw, e) : raw;
        return (content, part with { EndOffset = part.BodyOffset + content.Length, Lines = content.AsSpan().Count((byte)'\n') });
    }

    /// <summary>The part with its decoded leaves' sizes and lines, and its own shrunk by as much.</summary>
    private static (MimePartSummary Part, long Shrink, long LinesShrink) Adjust(MimePartSummary part, Dictionary<MimePartSummary, Decoded> decoded)
    {
        if (decoded.TryGetValue(part, out var d))
        {
            return (part with { EndOffset = part.BodyOffset + d.Size, Lines = d.Lines }, part.BodySize - d.Size + d.HeaderShrink, part.Lines - d.Lines);
        }
        if (part.IsMultipart && part.Parts is { } children)
        {
            var adjusted = children.Select(c => Adjust(c, decoded)).ToList();
            var (shrink, lines) = (adjusted.Sum(a => a.Shrink), adjusted.Sum(a => a.LinesShrink));
            return (part with { Parts = adjusted.Select(a => a.Part).ToList(), EndOffset = part.EndOffset - shrink, Lines = part.Lines - lines }, shrink, lines);
        }
        if (ImapStructureWriter.IsEncapsulatedMessage(part))
        {
            var (inner, shrink, lines) = Adjust(part.MessageBody!, decoded);
            return (part with { MessageBody = inner, EndOffset = part.EndOffset - shrink, Lines = part.Lines - lines }, shrink, lines);
        }
        return (part, 0, 0);
    }

    private static IEnumerable<MimePartSummary> Leaves(MimePartSummary part)
    {
        if (part.IsMultipart)
        {
            return part.Parts?.SelectMany(Leaves) ?? [];
        }
        return ImapStructureWriter.IsEncapsulatedMessage(part) ? Leaves(part.MessageBody!) : [part];
    }

    /// <summary>Replaces the Content-Transfer-Encoding field (with its folded lines) of a part header.</summary>
    private static string LabelBinary(string header)
    {
        var lines = header.Split("\r\n");
        var result = new List<string>(lines.Length);
        var skipping = false;
        foreach (var line in lines)
        {
            if (skipping && line.Length > 0 && line[0] is ' ' or '\t')
            {
                continue;
            }
            skipping = line.StartsWith("Content-Transfer-Encoding:", StringComparison.OrdinalIgnoreCase);
            result.Add(skipping ? "Content-Transfer-Encoding: binary" : line);
        }
        return string.Join("\r\n", result);
    }

    public static async Task WriteBytesAsync(ImapSession session, byte[] data, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(data, writable: false);
        await session.WriteLiteralAsync(stream, data.Length, BinaryContent.NeedsLiteral8(data), cancellationToken);
    }
}
