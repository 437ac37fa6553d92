using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using MimeKit;
using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Queues;
using Serverless.Mail.Sieve.Language;

namespace Serverless.Mail.Sieve.Filing;

/// <summary>
/// The vacation action (RFC 5230). No reply to: the null sender, mailer daemons and list addresses
/// (§4.6), mail with <c>Auto-Submitted</c> other than <c>no</c>, <c>Precedence: bulk/junk/list</c> or any
/// <c>List-*</c> field, our own addresses, or a message that does not name the user's address (or one
/// of :addresses) in To/Cc/Bcc and their Resent- forms (§4.5); at most one reply per sender and handle
/// per :days (<see cref="VacationLedger"/>). The reply goes from <c>&lt;&gt;</c> through the outbound relay
/// (DKIM-signed for the From domain), or straight into INBOX when the sender has a mailbox here; its
/// outbound id, dedupe key and blob name are fixed per hand-off and mailbox, so it is sent once.
/// </summary>
public sealed partial class VacationResponder(
    VacationLedger ledger,
    MailDirectory directory,
    MailboxIndex index,
    MessageStore store,
    MailQueues queues,
    TimeProvider time,
    ILogger<VacationResponder> logger)
{
    private static readonly string[] RecipientFields = ["To", "Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc"];

    public async Task RespondAsync(SieveFilingInput input, SieveVacation vacation, MimeMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(vacation);
        ArgumentNullException.ThrowIfNull(message);
        var handoff = input.Handoff;
        var own = new HashSet<string>([input.RecipientAddress, .. vacation.Addresses], StringComparer.OrdinalIgnoreCase);
        var why = WhyNot(handoff.MailFrom, message, own);
        if (why is not null)
        {
            LogNoReply(handoff.Id, input.MailboxId, why);
            return;
        }
        var now = time.GetUtcNow();
        if (!await ledger.TryClaimAsync(input.MailboxId, vacation.Handle, handoff.MailFrom, handoff.Id, now, vacation.Days, cancellationToken).ConfigureAwait(false))
        {
            LogNoReply(handoff.Id, input.MailboxId, "already answered this sender within :days");
            return;
        }
        using var reply = Reply(input, vacation, message, now);
        var blobName = SieveNotices.BlobName(handoff.ReceivedAt, "vacation|" + handoff.Id + "|" + input.MailboxId);
        var local = MailAddress.TryParse(handoff.MailFrom, out var sender) ? await directory.GetMailboxAsync(sender, cancellationToken).ConfigureAwait(false) : null;
        if (local is not null)
        {
            await SieveNotices.FileAsync(index, store, local.MailboxId, blobName, reply, $"{handoff.Id}|vacation|{input.MailboxId}", now, cancellationToken)
                .ConfigureAwait(false);
        }
        else
        {
            using var bytes = await SieveNotices.SerializeAsync(reply, cancellationToken).ConfigureAwait(false);
            await SieveNotices.WriteBlobAsync(store, blobName, bytes, cancellationToken).ConfigureAwait(false);
            await queues.SendOutboundAsync(OutboundRelayMessage.Create($"{handoff.Id}.{input.MailboxId}.vacation", blobName, bytes.Length,
                new EnvelopeSender("", null, null, null, false), [new HandoffRecipient { Address = handoff.MailFrom }], now, input.TenantId,
                holder: null, rated: true, sign: true), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        LogReplied(handoff.Id, input.MailboxId);
    }

    /// <summary>Why no reply may be sent, or null if one may.</summary>
    public static string? WhyNot(string mailFrom, MimeMessage message, IReadOnlySet<string> own)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(own);
        if (string.IsNullOrEmpty(mailFrom) || !MailAddress.TryParse(mailFrom, out var sender))
        {
            return "the null sender";
        }
        var local = sender.LocalPart.ToLowerInvariant();
        if (local is "mailer-daemon" or "postmaster" or "listserv" or "majordomo" or "noreply" or "no-reply" || local.StartsWith("owner-", StringComparison.Ordinal)
            || local.EndsWith("-request", StringComparison.Ordinal) || local.EndsWith("-bounces", StringComparison.Ordinal))
        {
            return "a daemon or list address";
        }
        if (own.Contains(mailFrom))
        {
            return "our own address";
        }
        var auto = message.Headers[HeaderId.AutoSubmitted];
        if (auto is not null && !auto.Trim().StartsWith("no", StringComparison.OrdinalIgnoreCase))
        {
            return "Auto-Submitted: " + auto.Trim();
        }
        var precedence = message.Headers[HeaderId.Precedence]?.Trim().ToLowerInvariant();
        if (precedence is "bulk" or "junk" or "list")
        {
            return "Precedence: " + precedence;
        }
        if (message.Headers.Any(h => h.Field.StartsWith("List-", StringComparison.OrdinalIgnoreCase)))
        {
            return "a mailing list message";
        }
        var named = RecipientFields.SelectMany(f => message.Headers.Where(h => string.Equals(h.Field, f, StringComparison.OrdinalIgnoreCase)))
            .SelectMany(h => InternetAddressList.TryParse(ParserOptions.Default, h.RawValue, out var list) ? list.Mailboxes : [])
            .Any(m => own.Contains(m.Address));
        return named ? null : "the user's address is not in To/Cc";
    }

    private static MimeMessage Reply(SieveFilingInput input, SieveVacation vacation, MimeMessage original, DateTimeOffset now)
    {
        var reply = new MimeMessage();
        var from = vacation.From is not null && MailboxAddress.TryParse(vacation.From, out var given) ? given : MailboxAddress.Parse(input.RecipientAddress);
        reply.From.Add(from);
        reply.To.Add(MailboxAddress.Parse(input.Handoff.MailFrom));
        reply.Subject = vacation.Subject ?? "Auto: " + (original.Subject ?? "");
        reply.Date = now;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(input.Handoff.Id + "|" + input.MailboxId)).AsSpan(0, 16));
        reply.MessageId = $"vacation.{hash}@{from.Domain}";
        if (!string.IsNullOrEmpty(original.MessageId))
        {
            reply.InReplyTo = original.MessageId;
            foreach (var r in original.References)
            {
                reply.References.Add(r);
            }
            reply.References.Add(original.MessageId);
        }
        reply.Headers.Add(HeaderId.AutoSubmitted, "auto-replied (vacation)");
        reply.Body = vacation.Mime ? LoadEntity(vacation.Reason) : new TextPart("plain") { Text = vacation.Reason };
        return reply;
    }

    /// <summary>With :mime the reason is a MIME entity (header fields, blank line, body); if it does not parse it is sent as text.</summary>
    private static MimeEntity LoadEntity(string reason)
    {
        try
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(reason));
            return MimeEntity.Load(stream);
        }
        catch (FormatException)
        {
            return new TextPart("plain") { Text = reason };
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Hand-off {Id}: no vacation reply for mailbox {Mailbox}: {Reason}")]
    private partial void LogNoReply(string id, string mailbox, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hand-off {Id}: vacation reply sent for mailbox {Mailbox}")]
    private partial void LogReplied(string id, string mailbox);
}
