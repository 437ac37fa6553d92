namespace Serverless.Protocols.Imap;

/// <summary>GENURLAUTH: URL rumps and the mechanism to authorize each with (RFC 4467 7.1).</summary>
public sealed record GenUrlAuthArguments(IReadOnlyList<(string Rump, string Mechanism)> Urls) : ImapArguments;

/// <summary>RESETKEY: no mailbox (every key of the user) or one mailbox and the mechanisms (RFC 4467 7.2).</summary>
public sealed record ResetKeyArguments(string? Mailbox, IReadOnlyList<string> Mechanisms) : ImapArguments;

/// <summary>What URLAUTH=BINARY (RFC 5524) asks of one URL; plain URLFETCH is <see cref="Body"/> alone, unparenthesised.</summary>
public sealed record UrlFetchRequest(string Url, bool Extended, bool Body, bool Binary, bool BodyPartStructure);

public sealed record UrlFetchArguments(IReadOnlyList<UrlFetchRequest> Urls) : ImapArguments;

/// <summary>
/// URLAUTH (RFC 4467) and URLAUTH=BINARY (RFC 5524) commands.
/// <code>
/// genurlauth       = "GENURLAUTH" 1*(SP url-rump SP mechanism)
/// resetkey         = "RESETKEY" [SP mailbox *(SP mechanism)]
/// urlfetch         = "URLFETCH" 1*(SP url-fetch-arg)
/// url-fetch-arg    = url-full / "(" url-full SP url-fetch-param *(SP url-fetch-param) ")"   ; RFC 5524
/// url-fetch-param  = "BODY" / "BINARY" / "BODYPARTSTRUCTURE"
/// url-rump, url-full = astring
/// mechanism        = "INTERNAL" / atom
/// </code>
/// </summary>
public static class ImapUrlAuthParser
{
    private const int MaxUrls = 100;

    public static GenUrlAuthArguments ParseGenUrlAuth(ImapArgumentReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var urls = new List<(string, string)>();
        do
        {
            if (urls.Count == MaxUrls)
            {
                throw new ImapParseException("Too many URLs");
            }
            var rump = r.ReadAstring();
            r.ExpectSpace();
            urls.Add((rump, r.ReadAtom().ToUpperInvariant()));
        }
        while (r.TryConsume(' '));
        return new GenUrlAuthArguments(urls);
    }

    /// <summary>Reads what follows "RESETKEY" (the space before the mailbox included).</summary>
    public static ResetKeyArguments ParseResetKey(ImapArgumentReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (!r.TryConsume(' '))
        {
            return new ResetKeyArguments(null, []);
        }
        var mailbox = r.ReadMailbox();
        var mechanisms = new List<string>();
        while (r.TryConsume(' '))
        {
            if (mechanisms.Count == MaxUrls)
            {
                throw new ImapParseException("Too many mechanisms");
            }
            mechanisms.Add(r.ReadAtom().ToUpperInvariant());
        }
        return new ResetKeyArguments(mailbox, mechanisms);
    }

    public static UrlFetchArguments ParseUrlFetch(ImapArgumentReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var urls = new List<UrlFetchRequest>();
        do
        {
            if (urls.Count == MaxUrls)
            {
                throw new ImapParseException("Too many URLs");
            }
            if (!r.TryConsume('('))
            {
                urls.Add(new UrlFetchRequest(r.ReadAstring(), false, true, false, false));
                continue;
            }
            var url = r.ReadAstring();
            bool body = false, binary = false, structure = false;
            r.ExpectSpace();
            do
            {
                switch (r.ReadAtom().ToUpperInvariant())
                {
                    case "BODY":
                        body = true;
                        break;
                    case "BINARY":
                        binary = true;
                        break;
                    case "BODYPARTSTRUCTURE":
                        structure = true;
                        break;
                    default:
                        throw new ImapParseException("Unknown URLFETCH parameter");
                }
            }
            while (r.TryConsume(' '));
            r.Expect(')');
            if (body && binary)
            {
                throw new ImapParseException("BODY and BINARY exclude each other");
            }
            urls.Add(new UrlFetchRequest(url, true, body, binary, structure));
        }
        while (r.TryConsume(' '));
        return new UrlFetchArguments(urls);
    }
}
