using Serverless.Mail.Index;
using Serverless.Mail.Model;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap;

/// <summary>Where the bytes of a BODY[section] are: a range of the message blob, bytes at hand, or nothing (NIL).</summary>
internal readonly record struct SectionBytes(long Offset, long Length, byte[]? Data, bool Nil)
{
    public static SectionBytes None => new(0, 0, null, true);

    public static SectionBytes Range(long offset, long length) => new(offset, Math.Max(0, length), null, false);

    public static SectionBytes Of(byte[] data) => new(0, data.Length, data, false);

    /// <summary>Bytes that must be read from the blob and filtered (HEADER.FIELDS of a header not kept in the index).</summary>
    public bool NeedsFilter { get; init; }
}

/// <summary>
/// Maps RFC 3501 section numbers onto the MIME offsets kept in the message summary (6.4.5):
/// <code>
/// section-spec = section-msgtext / (section-part ["." section-text])
/// section-part = nz-number *("." nz-number)   ; part 1 of a non-multipart is its body;
///                                             ; the parts of message/rfc822 are its inner message's
/// </code>
/// </summary>
internal static class MessageSections
{
    /// <summary>The part a section path names, or null if the message has no such part.</summary>
    public static MimePartSummary? Navigate(MimePartSummary body, IReadOnlyList<int> path)
    {
        MimePartSummary? node = null;
        var container = body;
        foreach (var n in path)
        {
            if (node is not null)
            {
                if (node.IsMultipart)
                {
                    container = node;
                }
                else if (ImapStructureWriter.IsEncapsulatedMessage(node))
                {
                    container = node.MessageBody!;
                }
                else
                {
                    return null; // a leaf has no sub-parts
                }
            }
            if (container.IsMultipart)
            {
                if (container.Parts is null || n > container.Parts.Count)
                {
                    return null;
                }
                node = container.Parts[n - 1];
            }
            else
            {
                if (n != 1)
                {
                    return null;
                }
                node = container;
            }
        }
        return node;
    }

    /// <summary>
    /// Resolves a section against a message. HEADER.FIELDS of the top-level header comes from the
    /// header kept in the index when it is there; other sections are byte ranges of the blob.
    /// </summary>
    public static SectionBytes Resolve(BodySection section, MessageSummary summary, long size)
    {
        if (section.Part.Count == 0)
        {
            return section.Text switch
            {
                SectionText.None => SectionBytes.Range(0, size),
                SectionText.Text => SectionBytes.Range(summary.HeaderLength, size - summary.HeaderLength),
                SectionText.Header when summary.RawHeader is { } raw => SectionBytes.Of(System.Text.Encoding.Latin1.GetBytes(raw)),
                SectionText.Header => SectionBytes.Range(0, summary.HeaderLength),
                SectionText.HeaderFields or SectionText.HeaderFieldsNot when summary.RawHeader is { } raw =>
                    SectionBytes.Of(ImapHeaderFields.Filter(System.Text.Encoding.Latin1.GetBytes(raw), section.Fields!, section.Text == SectionText.HeaderFieldsNot)),
                SectionText.HeaderFields or SectionText.HeaderFieldsNot => SectionBytes.Range(0, summary.HeaderLength) with { NeedsFilter = true },
                _ => SectionBytes.None,
            };
        }
        var part = Navigate(summary.Body, section.Part);
        if (part is null)
        {
            return SectionBytes.None;
        }
        switch (section.Text)
        {
            case SectionText.None:
                return SectionBytes.Range(part.BodyOffset, part.BodySize);
            case SectionText.Mime:
                return SectionBytes.Range(part.HeaderOffset, part.BodyOffset - part.HeaderOffset);
        }
        // HEADER, HEADER.FIELDS and TEXT after a part number are about an encapsulated message.
        if (!ImapStructureWriter.IsEncapsulatedMessage(part))
        {
            return SectionBytes.None;
        }
        var inner = part.MessageBody!;
        return section.Text switch
        {
            SectionText.Header => SectionBytes.Range(inner.HeaderOffset, inner.BodyOffset - inner.HeaderOffset),
            SectionText.Text => SectionBytes.Range(inner.BodyOffset, part.EndOffset - inner.BodyOffset),
            _ => SectionBytes.Range(inner.HeaderOffset, inner.BodyOffset - inner.HeaderOffset) with { NeedsFilter = true },
        };
    }
}
