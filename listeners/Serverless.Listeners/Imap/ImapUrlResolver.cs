using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Model;
using Serverless.Mail.Security;
using Serverless.Mail.Storage;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap;

/// <summary>
/// The bytes an IMAP URL names (RFC 5092): a range of a stored message (blob or row), or bytes at hand (a
/// filtered header, a PARTIAL of bytes read). <see cref="Part"/> is the MIME part the section
/// names (for URLFETCH's BINARY and BODYPARTSTRUCTURE), null for the whole message or a header.
/// </summary>
internal sealed record UrlBytes(MessageSource Message, long Offset, long Length, byte[]? Data, MimePartSummary? Part, bool IsPart)
{
    public async Task<Stream> OpenAsync(MessageStoreReader store, CancellationToken cancellationToken) =>
        Data is not null ? new MemoryStream(Data, writable: false)
        : Length == 0 ? new MemoryStream([], writable: false)
        : await store(Message, Offset, Length, cancellationToken);

    public async Task<byte[]> ReadAllAsync(MessageStoreReader store, CancellationToken cancellationToken)
    {
        if (Data is not null)
        {
            return Data;
        }
        await using var stream = await OpenAsync(store, cancellationToken);
        using var copy = new MemoryStream((int)Length);
        await stream.CopyToAsync(copy, cancellationToken);
        return copy.ToArray();
    }
}

internal delegate Task<Stream> MessageStoreReader(MessageSource message, long offset, long length, CancellationToken cancellationToken);

/// <summary>
/// Resolves IMAP URLs for CATENATE (RFC 4469) and URLFETCH (RFC 4467). The URL's user is the
/// login name: either whole (<c>imap://demo%40demo.test@host/…</c>) or its local part with the
/// domain as host (<c>imap://demo@demo.test/…</c>); a relative URL is the logged-in user's.
/// Without URLAUTH a URL may only name the session's own mail; with it, the verifier must be
/// the one GENURLAUTH made under the owner's current key for the folder, unexpired, and the
/// access identifier must admit the session's user. Anything else is "not a valid URL" (null):
/// CATENATE answers <c>NO [BADURL]</c>, URLFETCH NIL.
/// </summary>
internal static class ImapUrlResolver
{
    /// <summary>The login an absolute URL names (see the class comment); null when it names none.</summary>
    public static string? OwnerLogin(ImapUrl url) =>
        url.User is null ? null : url.User.Contains('@', StringComparison.Ordinal) ? url.User : url.User + "@" + url.Host;

    public static bool IsSessionUser(ImapSession session, string? login) =>
        login is not null && MailAddress.TryParse(login, out var a) && string.Equals(a.Address, session.State.User!.Address, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether the access identifier lets the session's user fetch the owner's URL (RFC 4467 3.).
    /// "authuser" is any user logged in here — of the owner's tenant: tenants share a server, not their mail.
    /// </summary>
    public static bool Admits(ImapSession session, string access, MailboxRecord owner)
    {
        if (access.Equals("authuser", StringComparison.OrdinalIgnoreCase))
        {
            return session.State.User!.TenantId == owner.TenantId;
        }
        if (access.StartsWith("user+", StringComparison.OrdinalIgnoreCase))
        {
            return IsSessionUser(session, access[5..]);
        }
        return false; // "submit+": only a submission server acting for that user; "anonymous" is never authorized here
    }

    public static async Task<UrlBytes?> ResolveAsync(ImapSession session, string text, bool requireUrlAuth, CancellationToken cancellationToken)
    {
        var url = ImapUrl.TryParse(text);
        if (url is null || (requireUrlAuth && url.Access is null) || (url.Access is not null && !url.IsAbsolute))
        {
            return null;
        }
        var services = session.Services;
        MailboxRecord? owner;
        if (!url.IsAbsolute || IsSessionUser(session, OwnerLogin(url)))
        {
            owner = session.State.User!;
        }
        else if (url.Access is null || !MailAddress.TryParse(OwnerLogin(url), out var address))
        {
            return null; // another user's mail only through URLAUTH
        }
        else
        {
            owner = await services.Directory.GetMailboxAsync(address, cancellationToken);
            if (owner is null || !owner.Enabled)
            {
                return null;
            }
        }
        var folder = await services.Index.FindFolderAsync(owner.MailboxId, FolderNames.Normalize(url.Mailbox), cancellationToken);
        if (folder is null || (url.UidValidity is { } v && v != folder.UidValidity))
        {
            return null;
        }
        if (url.Access is not null && !await AuthorizedAsync(session, url, owner, folder.FolderId, cancellationToken))
        {
            return null;
        }
        var message = await services.Index.GetMessageAsync(owner.MailboxId, folder.FolderId, url.Uid, cancellationToken);
        if (message is null)
        {
            return null;
        }
        var source = message.Source(owner.MailboxId, folder.FolderId); // a row-kept message: its bytes came with the row
        var summary = message.Summary;
        if (summary is null)
        {
            await using var whole = await services.Messages.OpenReadAsync(source, cancellationToken);
            summary = (await MessageSummaryBuilder.BuildAsync(whole, cancellationToken)).Summary;
        }
        var section = MessageSections.Resolve(url.Section, summary, message.Size);
        if (section.Nil)
        {
            return null;
        }
        var isPart = url.Section.Part.Count > 0 && url.Section.Text == SectionText.None;
        var part = isPart ? MessageSections.Navigate(summary.Body, url.Section.Part)
            : url.Section.Part.Count == 0 && url.Section.Text == SectionText.None ? summary.Body : null;
        var bytes = new UrlBytes(source, section.Offset, section.Length, section.Data, part, isPart);
        if (section.NeedsFilter)
        {
            var header = await bytes.ReadAllAsync(Reader(session), cancellationToken);
            bytes = bytes with { Data = ImapHeaderFields.Filter(header, url.Section.Fields!, url.Section.Text == SectionText.HeaderFieldsNot) };
            bytes = bytes with { Length = bytes.Data!.Length };
        }
        return url.PartialOffset is { } offset ? Partial(bytes, offset, url.PartialLength) : bytes;
    }

    /// <summary>Reads ranges of stored messages with the session's store.</summary>
    public static MessageStoreReader Reader(ImapSession session) =>
        (blob, offset, length, ct) => session.Services.Messages.OpenReadRangeAsync(blob, offset, length, ct);

    private static UrlBytes Partial(UrlBytes bytes, long offset, long? length)
    {
        var start = Math.Min(offset, bytes.Length);
        var take = Math.Min(length ?? long.MaxValue, bytes.Length - start);
        return bytes.Data is { } data
            ? bytes with { Data = data.AsSpan((int)start, (int)take).ToArray(), Length = take }
            : bytes with { Offset = bytes.Offset + start, Length = take };
    }

    private static async Task<bool> AuthorizedAsync(ImapSession session, ImapUrl url, MailboxRecord owner, int folderId, CancellationToken cancellationToken)
    {
        if (url.Mechanism is null || !url.Mechanism.Equals("INTERNAL", StringComparison.OrdinalIgnoreCase)
            || (url.Expire is { } expire && expire <= session.Services.Time.GetUtcNow())
            || !Admits(session, url.Access!, owner))
        {
            return false;
        }
        var key = await session.Services.AccessKeys.GetAsync(owner.MailboxId, folderId, cancellationToken);
        return key is not null && MailboxAccessKeys.Verify(key, url.Rump!, url.Token!);
    }
}
