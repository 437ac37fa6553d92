using System.Globalization;
using System.Text;

namespace Serverless.Protocols.Imap;

/// <summary>
/// An IMAP URL naming a message or a part of one (RFC 5092), as CATENATE (RFC 4469), GENURLAUTH
/// and URLFETCH (RFC 4467) take them: absolute (<c>imap://user@host/…</c>) or, in CATENATE,
/// relative to the logged-in user (<c>/mailbox/…</c>). Keys are case-insensitive.
/// <code>
/// imapurl       = "imap://" iserver ipath-query
/// iserver       = [iuserinfo "@"] host [":" port]
/// imessagepart  = imailbox-ref iuid [isection] [ipartial] [iurlauth]
/// imailbox-ref  = enc-mailbox [";UIDVALIDITY=" nz-number]
/// iuid          = "/;UID=" nz-number
/// isection      = "/;SECTION=" enc-section
/// ipartial      = "/;PARTIAL=" number ["." nz-number]
/// iurlauth      = iurlauth-rump [iua-verifier]
/// iurlauth-rump = [";EXPIRE=" date-time] ";URLAUTH=" access
/// access        = ("submit+" enc-user) / ("user+" enc-user) / "authuser" / "anonymous"
/// iua-verifier  = ":" uauth-mechanism ":" enc-urlauth      ; enc-urlauth = 32*HEXDIG
/// </code>
/// </summary>
public sealed record ImapUrl
{
    /// <summary>The user the URL names (decoded iuserinfo without ";AUTH="); null in a relative URL.</summary>
    public string? User { get; init; }

    /// <summary>The host; null in a relative URL.</summary>
    public string? Host { get; init; }

    public required string Mailbox { get; init; }

    public long? UidValidity { get; init; }

    public required long Uid { get; init; }

    /// <summary>The section as given (decoded), e.g. "1.2", "HEADER", "TEXT"; null for the whole message.</summary>
    public string? SectionText { get; init; }

    /// <summary>The section as a FETCH would take it.</summary>
    public required BodySection Section { get; init; }

    public long? PartialOffset { get; init; }

    public long? PartialLength { get; init; }

    public DateTimeOffset? Expire { get; init; }

    /// <summary>The access identifier after ";URLAUTH=" (decoded): "authuser", "anonymous", "user+…", "submit+…"; null without URLAUTH.</summary>
    public string? Access { get; init; }

    /// <summary>The URL text up to and including the access identifier: what the verifier is computed over.</summary>
    public string? Rump { get; init; }

    /// <summary>The mechanism after the rump (e.g. "INTERNAL"), null when the URL has no verifier.</summary>
    public string? Mechanism { get; init; }

    /// <summary>The verifier's hex digits.</summary>
    public string? Token { get; init; }

    public bool IsAbsolute => Host is not null;

    /// <summary>Parses <paramref name="text"/>; null if it is not an IMAP URL naming a message.</summary>
    public static ImapUrl? TryParse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            return Parse(text);
        }
        catch (Exception e) when (e is FormatException or ImapParseException or OverflowException or ArgumentException)
        {
            return null;
        }
    }

    private static ImapUrl? Parse(string text)
    {
        string? user = null;
        string? host = null;
        string path;
        if (text.StartsWith("imap://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = text[7..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                return null;
            }
            var authority = rest[..slash];
            path = rest[(slash + 1)..];
            var at = authority.LastIndexOf('@');
            if (at >= 0)
            {
                var userInfo = authority[..at];
                var auth = userInfo.IndexOf(";AUTH=", StringComparison.OrdinalIgnoreCase);
                user = Decode(auth >= 0 ? userInfo[..auth] : userInfo);
                authority = authority[(at + 1)..];
            }
            var colon = authority.LastIndexOf(':');
            host = colon >= 0 && authority.IndexOf(']', StringComparison.Ordinal) < colon ? authority[..colon] : authority;
            if (host.Length == 0)
            {
                return null;
            }
        }
        else if (text.StartsWith('/'))
        {
            path = text[1..];
        }
        else
        {
            return null;
        }
        var uidAt = path.IndexOf("/;UID=", StringComparison.OrdinalIgnoreCase);
        if (uidAt <= 0)
        {
            return null;
        }
        var mailboxRef = path[..uidAt];
        long? uidValidity = null;
        var semicolon = mailboxRef.IndexOf(';', StringComparison.Ordinal);
        if (semicolon >= 0)
        {
            var (key, value) = KeyValue(mailboxRef[(semicolon + 1)..]);
            if (key != "uidvalidity")
            {
                return null;
            }
            uidValidity = NzNumber(value);
            mailboxRef = mailboxRef[..semicolon];
        }
        var mailbox = Decode(mailboxRef);
        if (mailbox.Length == 0)
        {
            return null;
        }
        // The rest: ;UID=n [/;SECTION=s] [/;PARTIAL=o.l] [;EXPIRE=d] [;URLAUTH=a[:mech:token]]
        var tail = path[(uidAt + 1)..];
        long? uid = null;
        string? section = null;
        long? partialOffset = null, partialLength = null;
        DateTimeOffset? expire = null;
        string? access = null, rump = null, mechanism = null, token = null;
        foreach (var raw in tail.Split(';'))
        {
            var piece = raw;
            if (piece.Length == 0)
            {
                continue;
            }
            if (access is not null)
            {
                return null; // nothing may follow URLAUTH
            }
            var slashEnds = piece.EndsWith('/');
            if (slashEnds)
            {
                piece = piece[..^1];
            }
            var (key, value) = KeyValue(piece);
            switch (key)
            {
                case "uid" when uid is null:
                    uid = NzNumber(value);
                    break;
                case "section" when uid is not null && section is null && partialOffset is null:
                    section = Decode(value);
                    break;
                case "partial" when uid is not null && partialOffset is null:
                    var dot = value.IndexOf('.', StringComparison.Ordinal);
                    partialOffset = long.Parse(dot < 0 ? value : value[..dot], NumberStyles.None, CultureInfo.InvariantCulture);
                    partialLength = dot < 0 ? null : NzNumber(value[(dot + 1)..]);
                    break;
                case "expire" when uid is not null && expire is null && !slashEnds:
                    expire = DateTimeOffset.Parse(Decode(value), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
                    break;
                case "urlauth" when uid is not null && !slashEnds:
                    var parts = value.Split(':');
                    if (parts.Length is not (1 or 3))
                    {
                        return null;
                    }
                    access = Decode(parts[0]);
                    var start = text.LastIndexOf(";URLAUTH=", StringComparison.OrdinalIgnoreCase) + 9;
                    rump = text[..(start + parts[0].Length)];
                    if (parts.Length == 3)
                    {
                        mechanism = parts[1];
                        token = parts[2];
                        if (mechanism.Length == 0 || token.Length < 32 || !token.All(char.IsAsciiHexDigit))
                        {
                            return null;
                        }
                    }
                    break;
                default:
                    return null;
            }
        }
        if (uid is null || (access is not null && !IsAccess(access)))
        {
            return null;
        }
        return new ImapUrl
        {
            User = user,
            Host = host,
            Mailbox = mailbox,
            UidValidity = uidValidity,
            Uid = uid.Value,
            SectionText = section,
            Section = ParseSection(section),
            PartialOffset = partialOffset,
            PartialLength = partialLength,
            Expire = expire,
            Access = access,
            Rump = rump,
            Mechanism = mechanism,
            Token = token,
        };
    }

    private static bool IsAccess(string access) =>
        access.Equals("authuser", StringComparison.OrdinalIgnoreCase) || access.Equals("anonymous", StringComparison.OrdinalIgnoreCase)
        || (access.StartsWith("user+", StringComparison.OrdinalIgnoreCase) && access.Length > 5)
        || (access.StartsWith("submit+", StringComparison.OrdinalIgnoreCase) && access.Length > 7);

    /// <summary>The section as FETCH's grammar reads it (the same rules as BODY[section]).</summary>
    private static BodySection ParseSection(string? section)
    {
        if (string.IsNullOrEmpty(section))
        {
            return BodySection.Whole;
        }
        var frame = new ImapFrame([new ImapFrameSegment(ImapSegmentKind.Text, Encoding.UTF8.GetBytes("BODY.PEEK[" + section + "]"))]);
        var r = new ImapArgumentReader(frame);
        var item = ImapFetchParser.ReadItem(r);
        r.ExpectEnd();
        return item.Section ?? throw new FormatException("Not a section");
    }

    private static (string Key, string Value) KeyValue(string piece)
    {
        var eq = piece.IndexOf('=', StringComparison.Ordinal);
        return eq <= 0 ? throw new FormatException("Expected key=value") : (piece[..eq].ToLowerInvariant(), piece[(eq + 1)..]);
    }

    private static long NzNumber(string value)
    {
        var n = long.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
        return n is > 0 and <= uint.MaxValue ? n : throw new FormatException("Not a non-zero 32-bit number");
    }

    /// <summary>%-decoding into UTF-8 (RFC 5092 3.)</summary>
    private static string Decode(string value) => Uri.UnescapeDataString(value);
}
