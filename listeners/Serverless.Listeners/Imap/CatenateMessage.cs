using Serverless.Listeners.Imap.Commands;
using Serverless.Mail.Messages;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap;

/// <summary>
/// RFC 4469 CATENATE: one APPEND message put together from text literals (received as APPEND
/// message literals are: checked before "+", small ones kept in memory, large ones streamed to a
/// blob of their own) and IMAP URLs of the user's messages or of URLAUTH-authorized ones
/// (<see cref="ImapUrlResolver"/>). Every URL is resolved and the total size checked before
/// anything is written; the result is streamed into a new blob, summarised and stored like any
/// APPEND — the same size limit, quotas and binary re-encoding; a result small enough for its
/// index row is put together in memory and kept there, as a small APPEND is. The blob is the
/// command's until it is indexed, so a refused command leaves nothing behind.
/// </summary>
internal static class CatenateMessage
{
    private const int KeepCopyUpTo = 256 * 1024;

    public static async Task<(AppendUpload? Upload, ImapResult? Refusal)> ComposeAsync(ImapSession session, string mailbox, AppendPart part, CancellationToken cancellationToken)
    {
        var services = session.Services;
        if (KeywordLimits.Check(part.Flags.Distinct(StringComparer.Ordinal), services.Options) is { } tooMany)
        {
            return (null, tooMany);
        }
        if (await FolderLookup.FindForAppendAsync(session, mailbox, cancellationToken) is null)
        {
            return (null, ImapResult.No("Mailbox does not exist", "TRYCREATE"));
        }
        var pieces = new List<(AppendUpload? Text, UrlBytes? Url)>();
        long total = 0;
        foreach (var piece in part.Catenate!)
        {
            if (piece.Text is { } text)
            {
                var literal = (AppendUpload)text.External!;
                pieces.Add((literal, null));
                total += literal.Size;
                continue;
            }
            var bytes = await ImapUrlResolver.ResolveAsync(session, piece.Url!, requireUrlAuth: false, cancellationToken);
            if (bytes is null)
            {
                return (null, ImapResult.No("The URL does not name a message or part you may read", "BADURL " + Sanitize(piece.Url!)));
            }
            pieces.Add((null, bytes));
            total += bytes.Length;
        }
        var maxSize = services.Options.MaxAppendSize;
        if (total > maxSize)
        {
            return (null, ImapResult.No($"Message too large (at most {maxSize} bytes)", "TOOBIG"));
        }
        if (total == 0)
        {
            return (null, ImapResult.No("Empty message"));
        }
        var upload = new AppendUpload(total);
        if (await AppendCommand.CheckTargetAsync(session, mailbox, upload, cancellationToken) is { } refused)
        {
            return (null, refused);
        }
        using var copy = total <= KeepCopyUpTo ? new MemoryStream((int)total) : null;
        await WriteAsync(session, upload, pieces, copy, cancellationToken);
        await AppendCommand.FinishAsync(session, upload, copy, cancellationToken);
        return upload.Refusal is { } failed ? (null, failed) : (upload, null);
    }

    private static async Task WriteAsync(ImapSession session, AppendUpload upload, List<(AppendUpload? Text, UrlBytes? Url)> pieces, MemoryStream? copy, CancellationToken cancellationToken)
    {
        var store = session.Services.Messages;
        var blobName = MessageStore.NewBlobName(session.Services.Time.GetUtcNow());
        var reader = ImapUrlResolver.Reader(session);
        var buffer = new byte[64 * 1024];
        if (copy is not null && upload.Size <= session.Services.Index.InlineMessageBytes)
        {
            // Small enough for its index row: put together in memory, no blob (as a small APPEND).
            foreach (var (text, url) in pieces)
            {
                await using var source = text is not null ? await text.OpenAsync(store, cancellationToken) : await url!.OpenAsync(reader, cancellationToken);
                await source.CopyToAsync(copy, cancellationToken);
            }
            upload.Content = copy.ToArray();
            upload.Size = upload.Content.Length;
            upload.BlobName = blobName; // its identity only
            return;
        }
        await using var writer = store.CreateWriter(blobName);
        foreach (var (text, url) in pieces)
        {
            await using var source = text is not null ? await text.OpenAsync(store, cancellationToken) : await url!.OpenAsync(reader, cancellationToken);
            int n;
            while ((n = await source.ReadAsync(buffer, cancellationToken)) > 0)
            {
                copy?.Write(buffer, 0, n);
                await writer.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
            }
        }
        upload.Size = await writer.CommitAsync(cancellationToken: cancellationToken);
        upload.BlobName = blobName;
        session.TrackUpload(upload); // deleted when the command ends unless the index took it
    }

    /// <summary>BADURL's text may hold no "]" nor line ends (RFC 4469 6.).</summary>
    private static string Sanitize(string url) => new(url.Where(c => c is not (']' or '\r' or '\n')).ToArray());
}
