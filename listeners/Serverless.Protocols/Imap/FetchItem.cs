using System.Globalization;
using System.Text;

namespace Serverless.Protocols.Imap;

public enum FetchItemKind
{
    Envelope,
    Flags,
    InternalDate,
    Rfc822,
    Rfc822Header,
    Rfc822Size,
    Rfc822Text,
    Body,
    BodyStructure,
    Uid,
    BodySection,
    ModSeq,

    /// <summary>OBJECTID (RFC 8474).</summary>
    EmailId,

    /// <summary>OBJECTID (RFC 8474): NIL, no thread ids are kept.</summary>
    ThreadId,

    /// <summary>BINARY[part] / BINARY.PEEK[part] (RFC 3516): the part with its transfer encoding undone.</summary>
    Binary,

    /// <summary>BINARY.SIZE[part] (RFC 3516): the size of that decoded content.</summary>
    BinarySize,

    /// <summary>SAVEDATE (RFC 8514): when the message was saved into its folder.</summary>
    SaveDate,
}

public enum SectionText
{
    /// <summary>The whole part (or the whole message when the part path is empty).</summary>
    None,
    Header,
    HeaderFields,
    HeaderFieldsNot,
    Text,
    Mime,
}

/// <summary>A BODY[section]: a part path ("1.2") and what of it.</summary>
public sealed record BodySection(IReadOnlyList<int> Part, SectionText Text, IReadOnlyList<string>? Fields = null)
{
    public static BodySection Whole { get; } = new([], SectionText.None);

    /// <summary>The section-spec as it appears between the brackets of a response.</summary>
    public string Spec
    {
        get
        {
            var sb = new StringBuilder();
            sb.AppendJoin('.', Part.Select(p => p.ToString(CultureInfo.InvariantCulture)));
            var text = Text switch
            {
                SectionText.Header => "HEADER",
                SectionText.HeaderFields => "HEADER.FIELDS",
                SectionText.HeaderFieldsNot => "HEADER.FIELDS.NOT",
                SectionText.Text => "TEXT",
                SectionText.Mime => "MIME",
                _ => null,
            };
            if (text is not null)
            {
                if (sb.Length > 0)
                {
                    sb.Append('.');
                }
                sb.Append(text);
            }
            if (Fields is not null)
            {
                sb.Append(" (").AppendJoin(' ', Fields.Select(f => f.ToUpperInvariant())).Append(')');
            }
            return sb.ToString();
        }
    }
}

/// <summary>One FETCH attribute.</summary>
public sealed record FetchItem(FetchItemKind Kind)
{
    public BodySection? Section { get; init; }

    /// <summary>BODY.PEEK[...]: do not set \Seen.</summary>
    public bool Peek { get; init; }

    public long? PartialOrigin { get; init; }

    public long? PartialCount { get; init; }

    /// <summary>True if fetching this sets \Seen (RFC 3501 6.4.5: BODY[...] and RFC822 / RFC822.TEXT).</summary>
    public bool SetsSeen => Kind is FetchItemKind.Rfc822 or FetchItemKind.Rfc822Text || (Kind is FetchItemKind.BodySection or FetchItemKind.Binary && !Peek);

    /// <summary>The item name in a response, e.g. <c>BODY[1.MIME]&lt;0&gt;</c>.</summary>
    public string ResponseName => Kind switch
    {
        FetchItemKind.Envelope => "ENVELOPE",
        FetchItemKind.Flags => "FLAGS",
        FetchItemKind.InternalDate => "INTERNALDATE",
        FetchItemKind.Rfc822 => "RFC822",
        FetchItemKind.Rfc822Header => "RFC822.HEADER",
        FetchItemKind.Rfc822Size => "RFC822.SIZE",
        FetchItemKind.Rfc822Text => "RFC822.TEXT",
        FetchItemKind.Body => "BODY",
        FetchItemKind.BodyStructure => "BODYSTRUCTURE",
        FetchItemKind.Uid => "UID",
        FetchItemKind.ModSeq => "MODSEQ",
        FetchItemKind.BodySection => "BODY[" + Section!.Spec + "]" + (PartialOrigin is long o ? "<" + o.ToString(CultureInfo.InvariantCulture) + ">" : ""),
        FetchItemKind.Binary => "BINARY[" + Section!.Spec + "]" + (PartialOrigin is long b ? "<" + b.ToString(CultureInfo.InvariantCulture) + ">" : ""),
        FetchItemKind.BinarySize => "BINARY.SIZE[" + Section!.Spec + "]",
        FetchItemKind.SaveDate => "SAVEDATE",
        _ => throw new InvalidOperationException(),
    };

    public static FetchItem Of(FetchItemKind kind) => new(kind);
}
