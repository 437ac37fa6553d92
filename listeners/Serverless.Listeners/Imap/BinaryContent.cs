using MimeKit;
using MimeKit.IO;
using MimeKit.IO.Filters;
using Serverless.Mail.Model;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap;

/// <summary>
/// RFC 3516 BINARY: a part's content with its Content-Transfer-Encoding undone. Base64 and
/// quoted-printable are decoded as a stream (MimeKit's decoder filters, a few KiB at a time), so a
/// large part is never held: its decoded size is found by decoding it once without keeping the
/// output. 7bit, 8bit and binary parts, multiparts, messages and the whole message (BINARY[]) are
/// their bytes as they are. Any other encoding cannot be undone: <c>NO [UNKNOWN-CTE]</c>.
/// </summary>
internal static class BinaryContent
{
    /// <summary>The encoding to undo for <paramref name="part"/> (null: none); throws for an unknown one.</summary>
    public static ContentEncoding? EncodingOf(MimePartSummary? part)
    {
        if (part is null || part.IsMultipart || ImapStructureWriter.IsEncapsulatedMessage(part))
        {
            return null;
        }
        return (part.Encoding ?? "7bit").Trim().ToLowerInvariant() switch
        {
            "7bit" or "8bit" or "binary" or "" => null,
            "base64" => ContentEncoding.Base64,
            "quoted-printable" => ContentEncoding.QuotedPrintable,
            _ => throw new ImapCommandException(ImapResult.No("Unknown Content-Transfer-Encoding " + part.Encoding, "UNKNOWN-CTE")),
        };
    }

    /// <summary>Decodes bytes at hand (a part small enough to have been read whole).</summary>
    public static byte[] Decode(byte[] encoded, ContentEncoding encoding)
    {
        using var decoding = Decoding(new MemoryStream(encoded, writable: false), encoding);
        using var decoded = new MemoryStream(encoded.Length);
        decoding.CopyTo(decoded);
        return decoded.ToArray();
    }

    /// <summary>A stream of the decoded content of <paramref name="encoded"/> (which it disposes).</summary>
    public static Stream Decoding(Stream encoded, ContentEncoding encoding)
    {
        if (encoding == ContentEncoding.QuotedPrintable)
        {
            return new QuotedPrintableDecodingStream(encoded);
        }
        var filtered = new FilteredStream(encoded);
        filtered.Add(DecoderFilter.Create(encoding));
        return filtered;
    }

    /// <summary>Reads <paramref name="stream"/> to its end (or <paramref name="limit"/> bytes) and counts, keeping nothing.</summary>
    public static async Task<long> SkipAsync(Stream stream, long limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        long total = 0;
        while (total < limit)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit - total)), cancellationToken);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }

    /// <summary>RFC 3516 4.2: content with NUL must go as literal8 (~{n}); other content as an ordinary literal.</summary>
    public static bool NeedsLiteral8(ReadOnlySpan<byte> data) => data.Contains((byte)0);
}
