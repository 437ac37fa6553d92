using System.Net;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using MimeKit;
using Serverless.Mail.Delivery.Authentication;
using Serverless.Mail.Index;
using Serverless.Mail.Model;
using Serverless.Mail.Queues;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Delivery;

/// <summary>A message read from its blob by the ingest.</summary>
public sealed record InboundRead(MessageSummary Summary, MimeMessage Message, long Size, bool Junk, string? Dmarc = null)
{
    /// <summary>Tenants whose spam settings file this message into Junk (the ingest's own score of a streamed message).</summary>
    public IReadOnlyCollection<string> SpamJunkTenants { get; init; } = [];
}

/// <summary>
/// The ingest's side of the arrival checks, for messages the listener did not have in memory (over
/// 1 MiB): it reads the blob once and runs <see cref="ArrivalChecks"/> on it (SPF came with the
/// hand-off), then puts the Authentication-Results header in front of the stored message without
/// copying it: the header is staged as one more block and the block list is committed again with that
/// block first. Blob metadata <c>authres=1</c> records that it was done, so a redelivered hand-off does not
/// add a second header; the commit is conditional on the ETag read, so two ingests cannot both add one.
/// Metadata <c>junk=1</c> and <c>dmarc=…</c> record the verdict with it, so a hand-off delivered again after
/// the header was added (the ingest died before filing) still goes to Junk and is still not forwarded.
/// A message the listener scored on its connection only (<see cref="InboundHandoff.SpamTests"/>) is scored
/// here whole, and its X-Spam-Score/X-Spam-Status go into the same prepended block (metadata
/// <c>spamjunk</c> keeps which tenants file it into Junk, for the same reason).
/// </summary>
public sealed class InboundAuthentication(MailStorage storage, MessageAuthenticator authenticator, ArrivalChecks checks, Spam.SpamScorer? spam = null)
{
    /// <summary>Metadata: the tenants (comma-separated) whose spam settings file the message into Junk.</summary>
    private const string SpamJunkMetadataKey = "spamjunk";

    /// <summary>Block id of the prepended header: same length as <see cref="Messages.SpoolBlobStream"/>'s ids, never one of them.</summary>
    private const string JunkMetadataKey = "junk";

    private const string DmarcMetadataKey = "dmarc";

    private static readonly string HeaderBlockId = Convert.ToBase64String([0xFF, 0xFF, 0xFF, 0xFF, 0x61, 0x72, 0x00, 0x00]);

    /// <summary>Null when the blob does not exist.</summary>
    public async Task<InboundRead?> ReadAndCheckAsync(InboundHandoff handoff, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handoff);
        var blob = storage.Messages.GetBlockBlobClient(handoff.BlobName);
        Response<BlobDownloadStreamingResult> download;
        try
        {
            download = await blob.DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        var details = download.Value.Details;
        var size = details.ContentLength;
        // Submissions are not checked; a blob that carries our verdict (a redelivery) is only summarised.
        var check = handoff.Via == "mx" && !details.Metadata.ContainsKey(ArrivalChecks.MetadataKey);
        var spf = !check ? (SpfResult?)null
            : handoff.Spf is not null
            ? AuthenticationResultsHeader.ParseSpf(handoff.Spf)
            : await authenticator.CheckSpfAsync(IPAddress.TryParse(handoff.ClientIp, out var ip) ? ip : null, handoff.MailFrom, handoff.Helo, cancellationToken).ConfigureAwait(false);
        CheckedMessage read;
        await using (var content = download.Value.Content)
        {
            read = await checks.CheckAsync(content, handoff.MailFrom, handoff.Helo, spf, cancellationToken).ConfigureAwait(false);
        }
        var summary = read.Summary;
        var spamVerdict = check ? await ScoreSpamAsync(handoff, read, cancellationToken).ConfigureAwait(false) : null;
        var spamJunk = spamVerdict is null ? [] : spamVerdict.Tenants.Where(t => t.Value != Spam.SpamAction.Deliver).Select(t => t.Key).ToList();
        byte[] header = [.. read.Header, .. spamVerdict?.Header ?? []];
        if (read.Verdict is not null && await PrependAsync(blob, header, read.Junk, read.Verdict.Dmarc.Result, spamJunk, details.ETag, cancellationToken).ConfigureAwait(false))
        {
            summary = MessageSummaryOffsets.Prepend(summary, header);
            size += header.Length;
        }
        if (details.Metadata.TryGetValue(SpamJunkMetadataKey, out var before) && before.Length > 0)
        {
            spamJunk.AddRange(before.Split(','));
        }
        var judgedBefore = details.Metadata.TryGetValue(JunkMetadataKey, out var junk) && junk == "1";
        var dmarcBefore = details.Metadata.TryGetValue(DmarcMetadataKey, out var dmarc) ? dmarc : null;
        return new InboundRead(summary, read.Message, size, handoff.Junk || read.Junk || judgedBefore, read.Verdict?.Dmarc.Result ?? dmarcBefore ?? handoff.Dmarc)
        {
            SpamJunkTenants = spamJunk,
        };
    }

    /// <summary>
    /// Completes the score of a message the listener could only score on its connection
    /// (<see cref="InboundHandoff.SpamTests"/>): its authentication, content and reputation signals now.
    /// Rspamd is not asked from here (the message is not held in memory). A failure is no verdict.
    /// </summary>
    private async Task<Spam.SpamVerdict?> ScoreSpamAsync(InboundHandoff handoff, CheckedMessage read, CancellationToken cancellationToken)
    {
        if (spam is not { Enabled: true } || handoff.SpamTests is not { } early)
        {
            return null;
        }
        try
        {
            return await spam.ScoreAsync(new Spam.SpamSubject
            {
                Connection = new Spam.SpamConnection(IPAddress.TryParse(handoff.ClientIp, out var ip) ? ip : null, handoff.Helo, handoff.MailFrom),
                ConnectionTests = Task.FromResult<IReadOnlyList<Spam.SpamTest>>(early.Select(Spam.SpamTest.Parse).Where(t => t is not null).Select(t => t!).ToList()),
                Authentication = read.Verdict,
                Message = read.Message,
                Recipients = handoff.Recipients.Where(r => r.TenantId is not null)
                    .Select(r => new Spam.SpamRecipient(r.Address, r.TenantId!, r.Mailboxes?.Select(m => m.MailboxId).ToList() ?? [])).ToList(),
                QueueId = handoff.Id,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Stages the header as a block and commits it in front of the existing blocks (2 requests + 1 to read the list).</summary>
    private static async Task<bool> PrependAsync(BlockBlobClient blob, byte[] header, bool junk, string dmarc, List<string> spamJunk, ETag etag,
        CancellationToken cancellationToken)
    {
        var list = await blob.GetBlockListAsync(BlockListTypes.Committed, cancellationToken: cancellationToken).ConfigureAwait(false);
        var blocks = list.Value.CommittedBlocks.Select(b => b.Name).ToList();
        if (blocks.Count == 0)
        {
            return false; // written with one Put Blob: the listener checked it already, or it is too small to matter
        }
        using (var ms = new MemoryStream(header, writable: false))
        {
            await blob.StageBlockAsync(HeaderBlockId, ms, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        await blob.CommitBlockListAsync([HeaderBlockId, .. blocks], new CommitBlockListOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "message/rfc822" },
            Metadata = new Dictionary<string, string>
            {
                [ArrivalChecks.MetadataKey] = "1", [JunkMetadataKey] = junk ? "1" : "0", [DmarcMetadataKey] = dmarc, [SpamJunkMetadataKey] = string.Join(',', spamJunk),
            },
            Conditions = new BlobRequestConditions { IfMatch = etag },
        }, cancellationToken).ConfigureAwait(false);
        return true;
    }
}
