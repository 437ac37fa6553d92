using Microsoft.Extensions.Logging;
using MimeKit;
using Serverless.Mail.Accounts;
using Serverless.Mail.Forwarding;
using Serverless.Mail.Hosting;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Model;
using Serverless.Mail.Queues;
using Serverless.Mail.Sieve.Filing;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Delivery;

/// <summary>What one ingest did (for logs and tests). <paramref name="Requeued"/>: members of a group that failed and were put back on their own.</summary>
public sealed record IngestResult(int Filed, int Duplicates, int Failed, int Forwarded, int Requeued = 0)
{
    public static IngestResult operator +(IngestResult a, IngestResult b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new(a.Filed + b.Filed, a.Duplicates + b.Duplicates, a.Failed + b.Failed, a.Forwarded + b.Forwarded, a.Requeued + b.Requeued);
    }
}

/// <summary>
/// The inbound pipeline behind the <c>inbound</c> queue: one call per hand-off. It works out each
/// recipient's mailboxes (from the listener's resolution in the hand-off, or from the directory),
/// files one copy per distinct mailbox into INBOX (or Junk) with <see cref="MailboxIndex.AppendAsync"/>,
/// passes external forwarding targets to the outbound queue, and returns a DSN for what could not be
/// filed (over quota, mailbox gone). Every step is idempotent — appends by dedupe key
/// <c>{hand-off id}|{mailbox id}</c>, holders by fixed ids, queue messages by fixed ids — so a
/// redelivered hand-off files nothing twice. A blob shared by several copies is reference-counted
/// with <see cref="BlobHolders"/>; holder ids are <c>{hand-off id}|{mailbox id}</c> and <c>{hand-off id}|fwd</c>.
/// Forwarding others can trust: the forward leaves with an SRS envelope sender of the alias's domain
/// (<see cref="SenderRewriting"/>) and is ARC-sealed by the relay; mail judged spam (Junk) or failing
/// DMARC is never forwarded — the alias's local copies go to Junk, with none it is dropped and logged
/// (no backscatter).
/// </summary>
public sealed partial class InboundIngest(
    MessageStore store,
    MailboxIndex index,
    BlobHolders holders,
    RecipientResolver resolver,
    MailQueues queues,
    InboundBounces bounces,
    InboundAuthentication authentication,
    SenderRewriting srs,
    SieveFiling filing,
    DeliveryOptions options,
    TimeProvider time,
    ILogger<InboundIngest> logger,
    Usage.TenantUsageMeter? usage = null)
{
    /// <summary>
    /// One queue message: an inline hand-off, a pointer to a spilled one (deleted once filed), or a
    /// group of hand-offs from concurrent SMTP sessions (<see cref="MailQueues.GroupOf"/>).
    /// </summary>
    public async Task<IngestResult> IngestAsync(string queueMessage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queueMessage);
        return MailQueues.GroupOf(queueMessage) is { } members
            ? await IngestGroupAsync(members, cancellationToken).ConfigureAwait(false)
            : await IngestOneAsync(queueMessage, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The members of a group, filed side by side, each exactly as if it had come alone (so its
    /// dedupe keys make a redelivered group file nothing twice). A member that fails does not fail
    /// the others: it goes back on the queue as a message of its own, to be retried — and finally
    /// poisoned, and replayed — alone. Only then does this return, and the host deletes the group:
    /// a crash before that redelivers the whole group (the filed members are duplicates, a member
    /// already put back is queued twice: both idempotent). Throws only when putting a failed
    /// member back fails, so the group is retried whole.
    /// </summary>
    private async Task<IngestResult> IngestGroupAsync(IReadOnlyList<string> members, CancellationToken cancellationToken)
    {
        var outcomes = await Task.WhenAll(members.Select(async json =>
        {
            try
            {
                return (Json: json, Result: await IngestOneAsync(json, cancellationToken).ConfigureAwait(false), Error: (Exception?)null);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                return (Json: json, Result: (IngestResult?)null, Error: e);
            }
        })).ConfigureAwait(false);
        var total = new IngestResult(0, 0, 0, 0);
        foreach (var (json, result, error) in outcomes)
        {
            if (error is not null)
            {
                LogMemberFailed(error, MemberId(json), members.Count);
                await queues.RequeueInboundAsync(json, options.GroupRetryDelay, cancellationToken).ConfigureAwait(false);
                total += new IngestResult(0, 0, 0, 0, Requeued: 1);
            }
            else
            {
                total += result!;
            }
        }
        return total;
    }

    /// <summary>A member's hand-off id for the log, if its JSON gets that far.</summary>
    private static string MemberId(string json)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(json);
            return document.RootElement.TryGetProperty("id", out var id) && id.ValueKind == System.Text.Json.JsonValueKind.String ? id.GetString()! : "?";
        }
        catch (System.Text.Json.JsonException)
        {
            return "?";
        }
    }

    private async Task<IngestResult> IngestOneAsync(string queueMessage, CancellationToken cancellationToken)
    {
        var queued = await queues.ReadInboundAsync(queueMessage, cancellationToken).ConfigureAwait(false);
        if (queued is null)
        {
            LogSpillDone(MailQueues.SpillOf(queueMessage)!);
            return new IngestResult(0, 0, 0, 0); // a redelivered pointer: the hand-off was filed and its blob deleted
        }
        var result = await IngestAsync(queued.Message, cancellationToken).ConfigureAwait(false);
        await queues.DeleteSpillAsync(queued.SpillBlob, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public async Task<IngestResult> IngestAsync(InboundHandoff handoff, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handoff);
        LogStarted(handoff.Id, (long)(time.GetUtcNow() - handoff.ReceivedAt).TotalMilliseconds);
        using var attribution = StorageRequestMeter.BeginAttribution();
        var failures = new List<(HandoffRecipient Recipient, string Status, string Diagnostic)>();
        var forwarders = new List<string>();
        var (targets, external, tenant) = await ResolveAsync(handoff, failures, forwarders, cancellationToken).ConfigureAwait(false);
        StorageRequestMeter.SetTenant(tenant);

        // The summary comes with the hand-off for ordinary messages; otherwise read the blob once.
        var summary = handoff.Summary;
        // A small MX message carried in its hand-off: no blob, its bytes go into each recipient's row.
        // (Read from a queue message, a compressed one is decompressed already: MailQueues.ParseInbound.)
        var content = handoff.Content ?? (handoff.CompressedContent is { } compressed ? MailQueues.Decompress(compressed, handoff.Size) : null);
        if (content is not null && summary is not null)
        {
            summary = WithRawHeader(summary, content);
        }
        var junk = handoff.Junk;
        var dmarc = handoff.Dmarc;
        IReadOnlyCollection<string> spamJunkTenants = [];
        var size = handoff.Size;
        MimeMessage? parsed = null;
        try
        {
            if (summary is null && content is null && (targets.Count > 0 || failures.Count > 0))
            {
                var read = await authentication.ReadAndCheckAsync(handoff, cancellationToken).ConfigureAwait(false);
                if (read is null)
                {
                    LogBlobMissing(handoff.Id, handoff.BlobName);
                    return new IngestResult(0, 0, 0, 0); // filed and expunged before, or lost: nothing left to do
                }
                (summary, parsed, size, junk, dmarc) = (read.Summary, read.Message, read.Size, read.Junk, read.Dmarc);
                spamJunkTenants = read.SpamJunkTenants;
            }
            // The spam score's decision is each recipient tenant's own (HandoffRecipient.Junk, or the ingest's score of a streamed message).
            bool SpamJunk(HandoffRecipient r) => r.Junk || (r.TenantId ?? tenant) is { } t && spamJunkTenants.Contains(t);

            // Spam and DMARC failures stay here: forwarding them would put our name (SRS, ARC) on them.
            var withheld = external.Count > 0 && (junk || dmarc == "fail" || handoff.Recipients.Any(r => r.Forward is { Count: > 0 } && SpamJunk(r)));
            if (withheld)
            {
                LogNotForwarded(handoff.Id, external.Count, dmarc == "fail" && !junk ? "DMARC fail" : "judged spam",
                    targets.Any(t => forwarders.Contains(t.Recipient.Address)) ? "its local copies go to Junk" : "dropped");
                external.Clear();
            }

            // Sieve (docs/architecture.md step 6): each mailbox's active script may file its copy elsewhere,
            // more than once or not at all, and redirect, refuse or answer it. Without a script: one copy, as ever.
            var junkFolder = SpecialUse.Defaults.First(f => f.Use == SpecialUse.Junk).Id;
            var inputs = targets.Select(t => new SieveFilingInput(handoff, t.Mailbox.MailboxId, t.Recipient.Address,
                junk || SpamJunk(t.Recipient) || (withheld && forwarders.Contains(t.Recipient.Address)), dmarc, size, tenant)).ToList();
            var plans = new SieveFilingPlan?[targets.Count];
            if (filing.Enabled)
            {
                async Task<MimeMessage?> LoadAsync() => parsed ??= await TryParseAsync(handoff.BlobName, content, cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < targets.Count; i++)
                {
                    plans[i] = await filing.PlanAsync(inputs[i], LoadAsync, cancellationToken).ConfigureAwait(false);
                }
            }
            var planned = new List<(int Target, int Copy, SieveCopy Where)>();
            for (var i = 0; i < targets.Count; i++)
            {
                var list = plans[i]?.Copies ?? [new SieveCopy(inputs[i].Junk ? junkFolder : SpecialUse.InboxId, [])];
                planned.AddRange(list.Select((c, k) => (i, k, c)));
            }

            var copies = planned.Count + (external.Count > 0 ? 1 : 0);
            if (content is not null && (external.Count > 0 || content.Length > index.InlineMessageBytes))
            {
                // The carried bytes need a blob after all: a forward is relayed from one (the listener
                // carries no message whose recipients forward, but the directory may have changed
                // since), or the rows keep less than this (Mail:Index:InlineMessageBytes). Written
                // under the listener's name, so a redelivery rewrites the same blob; from here on
                // the message is filed as every blob is.
                // authres=1: the bytes carry the listener's Authentication-Results already (ArrivalChecks.MetadataKey).
                await store.WriteAsync(handoff.BlobName, content, new Dictionary<string, string> { [ArrivalChecks.MetadataKey] = "1" }, cancellationToken).ConfigureAwait(false);
                LogCarriedToBlob(handoff.Id, handoff.BlobName);
                content = null;
            }
            // Carried bytes are copied into every row: nothing to share, no blob holders.
            var shared = content is null && (handoff.Holder is not null || copies > 1);
            if (shared && copies > 0)
            {
                var ids = planned.Select(p => CopyId(handoff, targets[p.Target].Mailbox.MailboxId, p.Copy)).ToList();
                if (external.Count > 0)
                {
                    ids.Add(handoff.Id + "|fwd");
                }
                await holders.AddAsync(handoff.BlobName, ids, cancellationToken).ConfigureAwait(false);
            }

            var outcomes = await Task.WhenAll(planned.Select(p => AppendAsync(handoff, targets[p.Target].Mailbox, p.Copy, p.Where,
                shared, summary, size, content, cancellationToken))).ConfigureAwait(false);
            var filed = 0;
            var duplicates = 0;
            var refused = new HashSet<int>();
            for (var j = 0; j < planned.Count; j++)
            {
                var (i, k, _) = planned[j];
                switch (outcomes[j].Outcome)
                {
                    case AppendOutcome.Appended:
                        filed++;
                        MailMetrics.Filed(outcomes[j].FolderId == SpecialUse.InboxId ? "inbox" : outcomes[j].FolderId == junkFolder ? "junk" : "other");
                        break;
                    case AppendOutcome.Duplicate:
                        duplicates++;
                        break;
                    default:
                        if (refused.Add(i))
                        {
                            failures.Add(outcomes[j].Outcome == AppendOutcome.OverQuota
                                ? (targets[i].Recipient, "5.2.2", "smtp; 552 5.2.2 Mailbox full")
                                : (targets[i].Recipient, "5.1.1", "smtp; 550 5.1.1 Mailbox does not exist"));
                        }
                        await ReleaseCopyAsync(handoff, targets[i].Mailbox, k, shared, cancellationToken).ConfigureAwait(false);
                        break;
                }
            }
            for (var i = 0; i < targets.Count; i++)
            {
                if (plans[i] is not { } plan || refused.Contains(i))
                {
                    continue;
                }
                if (plan.Reject is not null)
                {
                    failures.Add((targets[i].Recipient, "5.7.1", "smtp; 550 5.7.1 " + RejectReason(plan.Reject)));
                }
                await filing.CarryOutAsync(inputs[i], plan, parsed, cancellationToken).ConfigureAwait(false);
            }

            if (external.Count > 0)
            {
                // The first alias that forwards names the forwarding domain: SRS sender, ARC signer.
                var forwardingDomain = MailAddress.TryParse(forwarders[0], out var alias) ? alias.Domain : options.HostName;
                var sender = new EnvelopeSender(srs.Rewrite(handoff.MailFrom, forwardingDomain), handoff.EnvelopeId, handoff.Ret, handoff.Body, handoff.SmtpUtf8);
                await queues.SendOutboundAsync(OutboundRelayMessage.Create(handoff.Id + ".fwd", handoff.BlobName, size, sender, external, handoff.ReceivedAt, tenant,
                    holder: shared ? handoff.Id + "|fwd" : null, forwardedBy: forwardingDomain), cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            if (failures.Count > 0)
            {
                if (parsed is null && handoff.MailFrom.Length > 0)
                {
                    parsed = await TryParseAsync(handoff.BlobName, content, cancellationToken).ConfigureAwait(false);
                }
                await bounces.SendAsync(handoff, failures, parsed, options.HostName, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            }

            // The hand-off's own hold on a shared blob ends here; an unshared blob nobody took is deleted.
            if (handoff.Holder is not null)
            {
                await holders.ReleaseAsync(handoff.BlobName, handoff.Holder, shared: true, cancellationToken).ConfigureAwait(false);
            }
            else if (content is null && (copies == 0 || (!shared && filed + duplicates == 0 && external.Count == 0)))
            {
                await store.DeleteAsync(handoff.BlobName, cancellationToken).ConfigureAwait(false);
            }
            LogIngested(handoff.Id, filed, duplicates, failures.Count, external.Count);
            if (filed > 0)
            {
                usage?.MessageIn(tenant, size);
            }
            return new IngestResult(filed, duplicates, failures.Count, external.Count);
        }
        finally
        {
            parsed?.Dispose();
        }
    }

    private async Task<(List<(HandoffRecipient Recipient, HandoffMailbox Mailbox)> Targets, List<HandoffRecipient> External, string? Tenant)> ResolveAsync(
        InboundHandoff handoff, List<(HandoffRecipient, string, string)> failures, List<string> forwarders, CancellationToken cancellationToken)
    {
        var targets = new List<(HandoffRecipient, HandoffMailbox)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var external = new List<HandoffRecipient>();
        string? tenant = null;
        foreach (var rcpt in handoff.Recipients)
        {
            IReadOnlyList<HandoffMailbox> mailboxes;
            IReadOnlyList<string> forward;
            if (rcpt.Mailboxes is not null)
            {
                mailboxes = rcpt.Mailboxes;
                forward = rcpt.Forward ?? [];
                tenant ??= rcpt.TenantId;
            }
            else
            {
                if (!MailAddress.TryParse(rcpt.Address, out var address))
                {
                    failures.Add((rcpt, "5.1.3", "smtp; 501 5.1.3 Bad recipient address syntax"));
                    continue;
                }
                var resolved = await resolver.ResolveAsync(address, cancellationToken).ConfigureAwait(false);
                mailboxes = resolved.Mailboxes.Select(m => new HandoffMailbox { MailboxId = m.MailboxId, QuotaBytes = m.QuotaBytes }).ToList();
                forward = resolved.ExternalTargets;
                tenant ??= resolved.TenantId;
            }
            if (mailboxes.Count == 0 && forward.Count == 0)
            {
                failures.Add((rcpt, "5.1.1", "smtp; 550 5.1.1 Mailbox does not exist"));
                continue;
            }
            foreach (var m in mailboxes)
            {
                if (seen.Add(m.MailboxId))
                {
                    targets.Add((rcpt, m)); // one copy per mailbox, however many recipients lead to it
                }
            }
            if (forward.Count > 0)
            {
                forwarders.Add(rcpt.Address);
            }
            foreach (var f in forward)
            {
                if (!external.Any(e => string.Equals(e.Address, f, StringComparison.OrdinalIgnoreCase)))
                {
                    external.Add(new HandoffRecipient { Address = f, Notify = rcpt.Notify });
                }
            }
            if (forward.Count > 0 && tenant is null && MailAddress.TryParse(rcpt.Address, out var forwarded))
            {
                tenant = (await resolver.GetHostedDomainAsync(forwarded.Domain, cancellationToken).ConfigureAwait(false))?.TenantId;
            }
        }
        return (targets, external, tenant);
    }

    private async Task<AppendResult> AppendAsync(InboundHandoff handoff, HandoffMailbox mailbox, int copy, SieveCopy where, bool shared, MessageSummary? summary,
        long size, byte[]? content, CancellationToken cancellationToken)
    {
        var message = new NewMessage
        {
            BlobName = handoff.BlobName,
            Content = content,
            SharedBlob = shared,
            HolderId = shared ? CopyId(handoff, mailbox.MailboxId, copy) : null,
            Size = size,
            InternalDate = handoff.ReceivedAt,
            Summary = summary,
            Flags = where.Flags,
            DedupeKey = CopyId(handoff, mailbox.MailboxId, copy),
            QuotaBytes = mailbox.QuotaBytes > 0 ? mailbox.QuotaBytes : null,
        };
        var result = await index.AppendAsync(mailbox.MailboxId, where.FolderId, message, cancellationToken).ConfigureAwait(false);
        if (result.Outcome == AppendOutcome.NoSuchFolder && where.FolderId != SpecialUse.InboxId)
        {
            // Junk (or a script's folder) was deleted meanwhile: INBOX it is.
            result = await index.AppendAsync(mailbox.MailboxId, SpecialUse.InboxId, message, cancellationToken).ConfigureAwait(false);
        }
        return result;
    }

    /// <summary>A copy that could not be filed gives up its hold on a shared blob.</summary>
    private async Task ReleaseCopyAsync(InboundHandoff handoff, HandoffMailbox mailbox, int copy, bool shared, CancellationToken cancellationToken)
    {
        if (shared)
        {
            await holders.ReleaseAsync(handoff.BlobName, CopyId(handoff, mailbox.MailboxId, copy), shared: true, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<MimeMessage?> TryParseAsync(string blobName, byte[]? content, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = content is not null ? new MemoryStream(content, writable: false)
                : await store.OpenReadAsync(blobName, cancellationToken).ConfigureAwait(false);
            return await MimeMessage.LoadAsync(stream, cancellationToken).ConfigureAwait(false);
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>
    /// A carried message's summary travels without its raw header (<c>hdr</c>), which is the content's
    /// first bytes: put it back, as the listener had it, so IMAP answers header fetches from the row's summary.
    /// </summary>
    private static MessageSummary WithRawHeader(MessageSummary summary, byte[] content) =>
        summary.RawHeader is null && summary.HeaderLength <= MessageSummary.MaxRawHeader && summary.HeaderLength <= content.Length
            ? summary with { RawHeader = System.Text.Encoding.Latin1.GetString(content, 0, (int)summary.HeaderLength) }
            : summary;

    public static string HolderId(InboundHandoff handoff, string mailboxId)
    {
        ArgumentNullException.ThrowIfNull(handoff);
        return handoff.Id + "|" + mailboxId;
    }

    /// <summary>Holder id and dedupe key of a mailbox's n-th copy: the first is <see cref="HolderId"/>, a script's further ones add <c>|{n}</c>.</summary>
    public static string CopyId(InboundHandoff handoff, string mailboxId, int copy) =>
        copy == 0 ? HolderId(handoff, mailboxId) : HolderId(handoff, mailboxId) + "|" + copy.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A script's reject reason as one line of printable ASCII for the DSN's Diagnostic-Code.</summary>
    private static string RejectReason(string reason)
    {
        var line = new string(reason.Select(c => c is >= ' ' and <= '~' ? c : ' ').ToArray()).Trim();
        return line.Length == 0 ? "Rejected by the recipient's filter" : line.Length > 200 ? line[..200] : line;
    }

    /// <summary>How long a hand-off waited (queue poll included) before its ingest began; the benchmark's feed phase reads it.</summary>
    [LoggerMessage(Level = LogLevel.Debug, Message = "Hand-off {Id}: ingest begins {AgeMs} ms after the message was received")]
    private partial void LogStarted(string id, long ageMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hand-off {Id}: {Filed} filed, {Duplicates} already filed, {Failed} failed, {Forwarded} forwarded")]
    private partial void LogIngested(string id, int filed, int duplicates, int failed, int forwarded);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hand-off {Id}: not forwarded to {Count} external target(s), {Reason}; {Outcome}")]
    private partial void LogNotForwarded(string id, int count, string reason, string outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hand-off {Id}: the message it carries was written to blob {Blob} (forwarded, or larger than the rows keep)")]
    private partial void LogCarriedToBlob(string id, string blob);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hand-off {Id}: blob {Blob} is gone; nothing to file")]
    private partial void LogBlobMissing(string id, string blob);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hand-off {Id} of a group of {Count} failed; put back on the queue on its own")]
    private partial void LogMemberFailed(Exception e, string id, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Spilled hand-off {Blob} is gone: filed before")]
    private partial void LogSpillDone(string blob);
}
