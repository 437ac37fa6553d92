using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using MimeKit;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;

namespace Serverless.Mail.Sieve.Filing;

/// <summary>
/// Server-made messages of the filing (redirect copies, vacation replies, the failing-script notice):
/// blob names derived from fixed ids, so a redelivered hand-off finds what an earlier attempt wrote.
/// The notice of a failing script goes into the user's INBOX once per script version: the append's
/// dedupe key is <c>sieve-error|{version}</c>, and this process remembers what it already sent.
/// </summary>
public static class SieveNotices
{
    private static readonly ConcurrentDictionary<string, bool> Sent = new(StringComparer.Ordinal);
    private const int MaxRemembered = 10_000;

    public static string BlobName(DateTimeOffset day, string id)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(id));
        return $"{day.UtcDateTime:yyyy'/'MM'/'dd}/{Convert.ToHexStringLower(hash.AsSpan(0, 16))}.eml";
    }

    public static async Task WriteBlobAsync(MessageStore store, string blobName, MemoryStream bytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(bytes);
        await using var writer = store.CreateWriter(blobName);
        await writer.WriteAsync(bytes.GetBuffer().AsMemory(0, (int)bytes.Length), cancellationToken).ConfigureAwait(false);
        try
        {
            await writer.CommitAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Azure.RequestFailedException e) when (e.Status is 409 or 412)
        {
            // written by an earlier attempt
        }
    }

    public static async Task<MemoryStream> SerializeAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var bytes = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        await message.WriteToAsync(format, bytes, cancellationToken).ConfigureAwait(false);
        return bytes;
    }

    /// <summary>Files a server-made message into a mailbox's INBOX by dedupe key; the blob is removed again if it could not be filed.</summary>
    public static async Task<AppendOutcome> FileAsync(MailboxIndex index, MessageStore store, string mailboxId, string blobName, MimeMessage message,
        string dedupeKey, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(store);
        using var bytes = await SerializeAsync(message, cancellationToken).ConfigureAwait(false);
        await WriteBlobAsync(store, blobName, bytes, cancellationToken).ConfigureAwait(false);
        bytes.Position = 0;
        var (summary, parsed) = await MessageSummaryBuilder.BuildAsync(bytes, cancellationToken).ConfigureAwait(false);
        parsed.Dispose();
        var result = await index.AppendAsync(mailboxId, SpecialUse.InboxId, new NewMessage
        {
            BlobName = blobName,
            Size = bytes.Length,
            InternalDate = now,
            Summary = summary,
            DedupeKey = dedupeKey,
        }, cancellationToken).ConfigureAwait(false);
        if (result.Outcome is not (AppendOutcome.Appended or AppendOutcome.Duplicate))
        {
            await store.DeleteAsync(blobName, cancellationToken).ConfigureAwait(false);
        }
        return result.Outcome;
    }

    internal static async Task SendOnceAsync(MailboxIndex index, MessageStore store, SieveFilingInput input, SieveFilingPlan plan, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var key = input.MailboxId + "|" + plan.Version;
        if (Sent.ContainsKey(key))
        {
            return;
        }
        using var notice = new MimeMessage();
        notice.From.Add(new MailboxAddress("Mail filters", "postmaster@" + input.RecipientAddress[(input.RecipientAddress.LastIndexOf('@') + 1)..]));
        notice.To.Add(MailboxAddress.Parse(input.RecipientAddress));
        notice.Subject = "Your mail filter (Sieve script) failed";
        notice.Date = now;
        notice.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(input.RecipientAddress[(input.RecipientAddress.LastIndexOf('@') + 1)..]);
        notice.Headers.Add(HeaderId.AutoSubmitted, "auto-generated");
        notice.Body = new TextPart("plain")
        {
            Text = $"Your active Sieve script could not run: {plan.Error}.\r\n\r\n" +
                "Messages are delivered to INBOX until the script is fixed. This notice is sent once per version of the script.\r\n",
        };
        var blobName = BlobName(now, "sieve-notice|" + key);
        await FileAsync(index, store, input.MailboxId, blobName, notice, "sieve-error|" + plan.Version, now, cancellationToken).ConfigureAwait(false);
        if (Sent.Count >= MaxRemembered)
        {
            Sent.Clear();
        }
        Sent.TryAdd(key, true);
    }
}
