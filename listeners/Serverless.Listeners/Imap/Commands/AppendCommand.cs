using System.Buffers;
using Serverless.Listeners.Caching;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Model;
using Serverless.Mail.Storage;
using Serverless.Mail.Usage;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 3501 6.3.11 APPEND with LITERAL+ (RFC 7888), APPENDUID (RFC 4315) and MULTIAPPEND (RFC 3502:
/// each message streamed as it comes, indexed in order once all arrived; if one cannot be added the
/// ones already added are expunged again, so the command adds all or none). When the message
/// literal is announced, the target folder, the size limit and the quota are checked before the
/// "+" continuation (so a synchronising client never sends a refused message); the message is then
/// streamed into a new blob — or, up to <see cref="MailboxIndex.InlineMessageBytes"/>, read into
/// memory for its index row, with no blob — summarised with MimeKit and indexed with one transaction. A folder
/// whose id this process remembers is not read first: the append's transaction checks the name on
/// the ETag-guarded folder row, so a folder deleted or renamed elsewhere is answered NO [TRYCREATE]
/// after the literal instead of before it.
/// </summary>
internal sealed class AppendCommand : IImapCommand
{
    private const int SummariseInMemoryUpTo = 256 * 1024;

    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var args = (AppendArguments)command.Arguments;
        var literals = new List<AppendUpload>();
        foreach (var part in args.Parts)
        {
            foreach (var segment in part.Catenate is { } cat ? cat.Where(c => c.Text is not null).Select(c => c.Text!) : [part.Message])
            {
                if (segment.External is not AppendUpload literal)
                {
                    return ImapResult.Bad("Expected the message as a literal");
                }
                literals.Add(literal);
            }
        }
        // MULTIAPPEND (RFC 3502): all or none — one refused message and none is added.
        if (literals.Select(u => u.Refusal).FirstOrDefault(r => r is not null) is { } refusal)
        {
            return refusal;
        }
        // CATENATE (RFC 4469): each such message is put together and stored before any is indexed,
        // so a bad URL or a size over the limit refuses the whole command with nothing added.
        var uploads = new List<(AppendPart Part, AppendUpload Upload)>();
        foreach (var part in args.Parts)
        {
            if (part.Catenate is null)
            {
                uploads.Add((part, (AppendUpload)part.Message.External!));
                continue;
            }
            var (composed, refused) = await CatenateMessage.ComposeAsync(session, args.Mailbox, part, cancellationToken);
            if (refused is not null)
            {
                return refused;
            }
            uploads.Add((part, composed!));
        }
        var account = session.State.User!;
        var (folderId, folderName) = uploads[0].Upload.Folder!.Value;
        var appended = new List<AppendResult>();
        foreach (var (part, upload) in uploads)
        {
            var result = await AppendOneAsync(session, part, upload, folderId, folderName, cancellationToken);
            if (result.Outcome is not (AppendOutcome.Appended or AppendOutcome.Duplicate))
            {
                if (appended.Count > 0)
                {
                    // Take back what this command added (their blobs go with them), so none stays.
                    await session.Services.Index.ExpungeAsync(account.MailboxId, folderId, appended.Select(a => a.Uid).ToList(), CancellationToken.None);
                }
                if (result.Outcome == AppendOutcome.OverQuota)
                {
                    return ImapResult.No("Quota exceeded", "OVERQUOTA");
                }
                session.Services.Watchers.ForgetFolderId(account.MailboxId, folderName);
                return ImapResult.No("Mailbox does not exist", "TRYCREATE");
            }
            upload.Taken = true;
            appended.Add(result);
            if (result.Outcome == AppendOutcome.Appended)
            {
                Remember(session, result, upload);
            }
        }
        // RFC 4315: several messages give a UID set.
        var uids = string.Join(',', appended.Select(a => a.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return ImapResult.Ok("APPEND completed", $"APPENDUID {appended[0].UidValidity} {uids}");
    }

    /// <summary>
    /// Keeps what the new row holds in the process's cache (its bytes, when small, went there as
    /// they were stored): a client that appends often fetches the message next (imaptest's clients
    /// do), and a UID's message never changes, so that FETCH needs no range query and no blob read.
    /// </summary>
    private static void Remember(ImapSession session, AppendResult result, AppendUpload upload) =>
        session.Services.Cache.SetMessage(new MessageKey(session.State.User!.MailboxId, result.FolderId, result.UidValidity, result.Uid),
            new CachedMessage(upload.BlobName!, upload.Size, upload.InternalDate.ToUniversalTime(), upload.Summary, WithSummary: true) // as the row stores it
            {
                SavedDate = result.SavedDate,
                InRow = upload.Content is null ? null : new MessageSource(upload.BlobName!, session.State.User!.MailboxId, result.FolderId, result.Uid),
            });

    private static Task<AppendResult> AppendOneAsync(ImapSession session, AppendPart part, AppendUpload upload, int folderId, string folderName, CancellationToken cancellationToken)
    {
        var account = session.State.User!;
        upload.InternalDate = part.InternalDate ?? session.Services.Time.GetUtcNow();
        return session.Services.Index.AppendAsync(account.MailboxId, folderId, new NewMessage
        {
            FolderName = folderName,
            BlobName = upload.BlobName!,
            Content = upload.Content,
            Size = upload.Size,
            InternalDate = upload.InternalDate,
            Flags = part.Flags,
            Summary = upload.Summary,
            QuotaBytes = account.QuotaBytes > 0 ? account.QuotaBytes : null,
            // The change check after APPEND shows it to this session (EXISTS, \Recent): its claim goes in the same write.
            ClaimRecent = session.Selected is { ReadOnly: false } selected && selected.FolderId == folderId,
        }, cancellationToken);
    }

    /// <summary>
    /// Called when APPEND's message literal is announced. Returns false if the connection must close.
    /// </summary>
    /// A CATENATE text part (<paramref name="prefix"/>'s Catenate) is checked the same way and kept
    /// for <see cref="CatenateMessage"/>: in memory when small, else in a blob of its own.
    public static async Task<bool> ReceiveMessageAsync(ImapSession session, (string Tag, string Mailbox, IReadOnlyList<string> Flags, DateTimeOffset? Date, bool Catenate) prefix,
        ImapLiteralAnnouncement announcement, CancellationToken cancellationToken)
    {
        var upload = new AppendUpload(announcement.Size);
        var maxSize = session.Services.Options.MaxAppendSize;
        upload.Refusal = announcement.Size > maxSize ? ImapResult.No($"Message too large (at most {maxSize} bytes)", "TOOBIG")
            : announcement.Size == 0 && !prefix.Catenate ? ImapResult.No("Empty message")
            : KeywordLimits.Check(prefix.Flags.Distinct(StringComparer.Ordinal), session.Services.Options) is { } tooMany ? tooMany
            : await CheckTargetAsync(session, prefix.Mailbox, upload, cancellationToken);
        if (upload.Refusal is not null)
        {
            if (announcement.Synchronizing || announcement.Size > maxSize)
            {
                return await session.RefuseLiteralAsync(prefix.Tag, upload.Refusal, cancellationToken);
            }
            // LITERAL+: the bytes are on their way; skip them and answer when the command ends.
            if (!await session.ReadLiteralAsync(announcement.Size, _ => ValueTask.CompletedTask, cancellationToken))
            {
                return false;
            }
            session.ProvideLiteral(upload);
            return true;
        }
        if (announcement.Synchronizing)
        {
            session.WriteLine("+ Ready for literal data");
            await session.FlushAsync(cancellationToken);
        }
        return prefix.Catenate && upload.Size <= SummariseInMemoryUpTo ? await KeepInMemoryAsync(session, upload, inRow: false, cancellationToken)
            : !prefix.Catenate && upload.Size <= session.Services.Index.InlineMessageBytes ? await KeepInMemoryAsync(session, upload, inRow: true, cancellationToken)
            : await StoreAsync(session, upload, prefix.Catenate, cancellationToken);
    }

    /// <summary>
    /// Reads the literal into memory: a CATENATE text part, or (<paramref name="inRow"/>) a small
    /// message that its index row will hold — no blob is written, so APPEND is one transaction and
    /// its EXPUNGE has nothing to release (docs/storage.md, "Messages kept in their row").
    /// </summary>
    private static async Task<bool> KeepInMemoryAsync(ImapSession session, AppendUpload upload, bool inRow, CancellationToken cancellationToken)
    {
        var data = new byte[upload.Size];
        var filled = 0;
        if (!await session.ReadLiteralAsync(upload.Size, bytes =>
            {
                bytes.CopyTo(data.AsSpan(filled));
                filled += (int)bytes.Length;
                return ValueTask.CompletedTask;
            }, cancellationToken))
        {
            return false;
        }
        session.ProvideLiteral(upload);
        if (!inRow)
        {
            upload.Bytes = data;
            return true;
        }
        upload.Content = data;
        upload.BlobName = MessageStore.NewBlobName(session.Services.Time.GetUtcNow()); // its identity: the cache key, the EMAILID
        using var copy = new MemoryStream(data, writable: false);
        await FinishAsync(session, upload, copy, cancellationToken);
        return true;
    }

    /// <summary>The target folder (set on <paramref name="upload"/>), the size against the mailbox's and the tenant's quota.</summary>
    internal static async Task<ImapResult?> CheckTargetAsync(ImapSession session, string mailbox, AppendUpload upload, CancellationToken cancellationToken)
    {
        try
        {
            upload.Folder = await FolderLookup.FindForAppendAsync(session, mailbox, cancellationToken);
            if (upload.Folder is null)
            {
                return ImapResult.No("Mailbox does not exist", "TRYCREATE");
            }
            var quota = session.State.User!.QuotaBytes;
            if (quota > 0)
            {
                var usage = await session.Services.Index.GetUsageAsync(FolderLookup.MailboxId(session), cancellationToken);
                if (usage is not null && usage.Bytes + upload.Size > quota)
                {
                    return ImapResult.No("Quota exceeded", "OVERQUOTA");
                }
            }
            // The tenant's byte quota: from the process's cached figure, no storage request of its own.
            if (await session.Services.Quotas.CheckStoreAsync(session.State.User!.TenantId, upload.Size, cancellationToken) != QuotaVerdict.Within)
            {
                return ImapResult.No("Your organisation's storage quota is exceeded", "OVERQUOTA");
            }
            return null;
        }
        catch (Exception e) when (StorageFailures.IsTransient(e))
        {
            return ImapResult.No("Storage is temporarily unavailable, please try again", "UNAVAILABLE");
        }
    }

    /// <summary>Streams the literal into a new blob (never holding more than one buffer of it), then summarises it.</summary>
    private static async Task<bool> StoreAsync(ImapSession session, AppendUpload upload, bool catenatePart, CancellationToken cancellationToken)
    {
        var store = session.Services.Messages;
        var blobName = MessageStore.NewBlobName(session.Services.Time.GetUtcNow());
        using var copy = upload.Size <= SummariseInMemoryUpTo ? new MemoryStream((int)upload.Size) : null;
        var writer = store.CreateWriter(blobName);
        await using (writer)
        {
            var failed = false;
            var complete = await session.ReadLiteralAsync(upload.Size, async data =>
            {
                foreach (var segment in data)
                {
                    copy?.Write(segment.Span);
                    if (failed)
                    {
                        continue; // keep reading the client's bytes to stay in step
                    }
                    try
                    {
                        await writer.WriteAsync(segment, cancellationToken);
                    }
                    catch (Exception e) when (StorageFailures.IsTransient(e))
                    {
                        failed = true;
                    }
                }
            }, cancellationToken);
            if (!complete)
            {
                return false; // the client went away: nothing was committed, so nothing is visible
            }
            if (!failed)
            {
                try
                {
                    await writer.CommitAsync(cancellationToken: cancellationToken);
                    upload.BlobName = blobName;
                }
                catch (Exception e) when (StorageFailures.IsTransient(e))
                {
                    failed = true;
                }
            }
            if (failed)
            {
                upload.Refusal = ImapResult.No("Storage is temporarily unavailable, please try again", "UNAVAILABLE");
            }
        }
        session.ProvideLiteral(upload);
        if (!catenatePart)
        {
            await FinishAsync(session, upload, copy, cancellationToken);
        }
        return true;
    }

    /// <summary>Summarises a stored message; one with a binary part is stored again in base64; a small one's bytes go into the cache.</summary>
    internal static async Task FinishAsync(ImapSession session, AppendUpload upload, MemoryStream? copy, CancellationToken cancellationToken)
    {
        var store = session.Services.Messages;
        if (upload.BlobName is not null)
        {
            upload.Summary = await SummariseAsync(store, upload.BlobName, copy, cancellationToken);
            if (upload.Summary is { } summary && BinaryAppend.HasBinaryPart(summary.Body))
            {
                // Stored re-encoded under another blob name: its bytes are not the copy's, so nothing is cached.
                await ReencodeBinaryAsync(session, upload, copy, cancellationToken);
            }
            else if (copy is not null && copy.Length == upload.Size && upload.Size <= session.Services.Cache.MaxMessageBytes)
            {
                // Keyed by the blob (or a row-kept message's name), whose bytes never change; if the append is refused the entry just ages out.
                session.Services.Cache.SetBytes(upload.BlobName, upload.Content ?? copy.ToArray());
            }
        }
    }

    /// <summary>RFC 3516: binary parts are stored in base64 (see <see cref="BinaryAppend"/>); the literal's blob is replaced.</summary>
    private static async Task ReencodeBinaryAsync(ImapSession session, AppendUpload upload, MemoryStream? copy, CancellationToken cancellationToken)
    {
        var store = session.Services.Messages;
        var original = upload.BlobName!;
        try
        {
            var inRow = upload.Content is not null;
            var (name, size) = await BinaryAppend.ToBase64Async(store, original, copy, session.Services.Time.GetUtcNow(), cancellationToken);
            upload.BlobName = name;
            upload.Content = null; // the re-encoded message is a blob (rare: binary parts only)
            if (inRow)
            {
                upload.Summary = await SummariseAsync(store, name, null, cancellationToken);
                upload.Size = size;
                return; // the literal was never a blob: nothing to delete
            }
            upload.Size = size;
            upload.Summary = await SummariseAsync(store, name, null, cancellationToken);
        }
        catch (Exception e) when (StorageFailures.IsTransient(e))
        {
            upload.Refusal = ImapResult.No("Storage is temporarily unavailable, please try again", "UNAVAILABLE");
            return;
        }
        try
        {
            await store.DeleteAsync(original, CancellationToken.None);
        }
        catch (Exception e) when (StorageFailures.IsTransient(e))
        {
            // Unreferenced: only wasted space.
        }
    }

    private static async Task<MessageSummary?> SummariseAsync(MessageStore store, string blobName, MemoryStream? copy, CancellationToken cancellationToken)
    {
        try
        {
            if (copy is not null)
            {
                copy.Position = 0;
                return (await MessageSummaryBuilder.BuildAsync(copy, cancellationToken)).Summary;
            }
            await using var stream = await store.OpenReadAsync(blobName, cancellationToken);
            return (await MessageSummaryBuilder.BuildAsync(stream, cancellationToken)).Summary;
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException || StorageFailures.IsTransient(e))
        {
            return null; // FETCH parses the blob when the summary is missing
        }
    }
}
