using System.Buffers;
using Serverless.Mail.Model;

namespace Serverless.Protocols.Imap;

/// <summary>
/// ENVELOPE, BODY and BODYSTRUCTURE from the index's <see cref="MessageSummary"/> (RFC 3501 7.4.2).
/// <code>
/// envelope        = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP
///                   env-to SP env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"
/// env-from        = "(" 1*address ")" / nil             ; likewise sender, reply-to, to, cc, bcc
/// address         = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"
/// body            = "(" (body-type-1part / body-type-mpart) ")"
/// body-type-1part = (body-type-basic / body-type-msg / body-type-text) [SP body-ext-1part]
/// body-type-basic = media-basic SP body-fields
/// body-type-msg   = media-message SP body-fields SP envelope SP body SP body-fld-lines
/// body-type-text  = media-text SP body-fields SP body-fld-lines
/// body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
/// body-fields     = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP body-fld-octets
/// body-fld-param  = "(" string SP string *(SP string SP string) ")" / nil
/// body-ext-1part  = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]
/// body-ext-mpart  = body-fld-param [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]
/// body-fld-dsp    = "(" string SP body-fld-param ")" / nil
/// body-fld-lang   = nstring / "(" string *(SP string) ")"
/// body-fld-loc    = nstring
/// </code>
/// </summary>
public static class ImapStructureWriter
{
    public static void Envelope(IBufferWriter<byte> w, EnvelopeSummary? e)
    {
        ArgumentNullException.ThrowIfNull(w);
        e ??= new EnvelopeSummary();
        ImapWire.Raw(w, "("u8);
        ImapWire.NString(w, e.Date);
        ImapWire.Space(w);
        ImapWire.NString(w, e.Subject);
        foreach (var list in new[] { e.From, e.Sender, e.ReplyTo, e.To, e.Cc, e.Bcc })
        {
            ImapWire.Space(w);
            Addresses(w, list);
        }
        ImapWire.Space(w);
        ImapWire.NString(w, e.InReplyTo);
        ImapWire.Space(w);
        ImapWire.NString(w, e.MessageId);
        ImapWire.Raw(w, ")"u8);
    }

    private static void Addresses(IBufferWriter<byte> w, IReadOnlyList<AddressSummary>? list)
    {
        if (list is null || list.Count == 0)
        {
            ImapWire.Raw(w, "NIL"u8);
            return;
        }
        ImapWire.Raw(w, "("u8);
        foreach (var a in list)
        {
            ImapWire.Raw(w, "("u8);
            ImapWire.NString(w, a.Name);
            ImapWire.Space(w);
            ImapWire.NString(w, a.Route);
            ImapWire.Space(w);
            ImapWire.NString(w, a.Mailbox);
            ImapWire.Space(w);
            ImapWire.NString(w, a.Host);
            ImapWire.Raw(w, ")"u8);
        }
        ImapWire.Raw(w, ")"u8);
    }

    /// <summary>BODYSTRUCTURE (<paramref name="extensible"/> true) or BODY (false).</summary>
    public static void Body(IBufferWriter<byte> w, MimePartSummary part, bool extensible)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(part);
        ImapWire.Raw(w, "("u8);
        if (part.IsMultipart)
        {
            var children = part.Parts is { Count: > 0 } ? part.Parts : [EmptyText];
            foreach (var child in children)
            {
                Body(w, child, extensible);
            }
            ImapWire.Space(w);
            ImapWire.String(w, part.Subtype);
            if (extensible)
            {
                ImapWire.Space(w);
                Parameters(w, part.Parameters);
                Extensions(w, part);
            }
        }
        else
        {
            ImapWire.String(w, part.Type);
            ImapWire.Space(w);
            ImapWire.String(w, part.Subtype);
            ImapWire.Space(w);
            var isText = string.Equals(part.Type, "text", StringComparison.OrdinalIgnoreCase);
            // RFC 2045 5.2: a text part without a charset is US-ASCII; RFC 3501's examples spell it out.
            Parameters(w, isText && (part.Parameters is null || part.Parameters.Count == 0) ? [new("CHARSET", "US-ASCII")] : part.Parameters);
            ImapWire.Space(w);
            ImapWire.NString(w, part.ContentId);
            ImapWire.Space(w);
            ImapWire.NString(w, part.Description);
            ImapWire.Space(w);
            ImapWire.String(w, string.IsNullOrEmpty(part.Encoding) ? "7BIT" : part.Encoding);
            ImapWire.Space(w);
            ImapWire.Number(w, Math.Max(0, part.BodySize));
            if (IsEncapsulatedMessage(part))
            {
                ImapWire.Space(w);
                Envelope(w, part.MessageEnvelope);
                ImapWire.Space(w);
                Body(w, part.MessageBody!, extensible);
                ImapWire.Space(w);
                ImapWire.Number(w, part.Lines);
            }
            else if (isText)
            {
                ImapWire.Space(w);
                ImapWire.Number(w, part.Lines);
            }
            if (extensible)
            {
                ImapWire.Space(w);
                ImapWire.NString(w, part.Md5);
                Extensions(w, part);
            }
        }
        ImapWire.Raw(w, ")"u8);
    }

    /// <summary>message/rfc822 (and RFC 6532 message/global) whose inner message was parsed.</summary>
    public static bool IsEncapsulatedMessage(MimePartSummary part)
    {
        ArgumentNullException.ThrowIfNull(part);
        return part.MessageBody is not null && string.Equals(part.Type, "message", StringComparison.OrdinalIgnoreCase)
            && (string.Equals(part.Subtype, "rfc822", StringComparison.OrdinalIgnoreCase) || string.Equals(part.Subtype, "global", StringComparison.OrdinalIgnoreCase));
    }

    private static readonly MimePartSummary EmptyText = new() { Type = "text", Subtype = "plain" };

    /// <summary>body-fld-dsp SP body-fld-lang SP body-fld-loc, always all three (NIL when absent).</summary>
    private static void Extensions(IBufferWriter<byte> w, MimePartSummary part)
    {
        ImapWire.Space(w);
        if (part.Disposition is null)
        {
            ImapWire.Raw(w, "NIL"u8);
        }
        else
        {
            ImapWire.Raw(w, "("u8);
            ImapWire.String(w, part.Disposition);
            ImapWire.Space(w);
            Parameters(w, part.DispositionParameters);
            ImapWire.Raw(w, ")"u8);
        }
        ImapWire.Space(w);
        switch (part.Language)
        {
            case null or { Count: 0 }:
                ImapWire.Raw(w, "NIL"u8);
                break;
            case { Count: 1 }:
                ImapWire.String(w, part.Language[0]);
                break;
            default:
                ImapWire.Raw(w, "("u8);
                for (var i = 0; i < part.Language.Count; i++)
                {
                    if (i > 0)
                    {
                        ImapWire.Space(w);
                    }
                    ImapWire.String(w, part.Language[i]);
                }
                ImapWire.Raw(w, ")"u8);
                break;
        }
        ImapWire.Space(w);
        ImapWire.NString(w, part.Location);
    }

    private static void Parameters(IBufferWriter<byte> w, IReadOnlyList<KeyValuePair<string, string>>? parameters)
    {
        if (parameters is null || parameters.Count == 0)
        {
            ImapWire.Raw(w, "NIL"u8);
            return;
        }
        ImapWire.Raw(w, "("u8);
        for (var i = 0; i < parameters.Count; i++)
        {
            if (i > 0)
            {
                ImapWire.Space(w);
            }
            ImapWire.String(w, parameters[i].Key);
            ImapWire.Space(w);
            ImapWire.String(w, parameters[i].Value);
        }
        ImapWire.Raw(w, ")"u8);
    }
}
