using System.Net;
using Microsoft.Extensions.Logging;
using MimeKit;
using Serverless.Mail.Delivery.Authentication;
using Serverless.Mail.Spam;

namespace Serverless.Mail.Delivery;

public sealed partial class MessageIntake
{
    /// <summary>
    /// Starts the spam score's connection signals for a new MX transaction (at MAIL FROM, like SPF),
    /// so DATA's reply waits for nothing new; null when spam scoring is off. Never faults.
    /// </summary>
    public Task<IReadOnlyList<SpamTest>>? StartSpamChecks(IPAddress? client, string reversePath, string? helo)
    {
        ArgumentNullException.ThrowIfNull(reversePath);
        return spam is { Enabled: true } ? spam.StartConnectionChecks(new SpamConnection(client, helo, reversePath)) : null;
    }

    /// <summary>
    /// The spam verdict of an MX message (null on submission, with scoring off, or when scoring itself
    /// broke: a broken filter never refuses mail). A streamed message has no parsed form here: only its
    /// connection signals count now, and the ingest completes the score.
    /// </summary>
    private async Task<SpamVerdict?> ScoreSpamAsync(IncomingMessage message, MimeMessage? parsed, AuthenticationVerdict? verdict, ReadOnlyMemory<byte> raw,
        CancellationToken ct)
    {
        var envelope = message.Envelope;
        if (spam is not { Enabled: true } || envelope.Submission)
        {
            return null;
        }
        try
        {
            return await spam.ScoreAsync(new SpamSubject
            {
                Connection = new SpamConnection(envelope.ClientAddress, envelope.Helo, envelope.Sender.Address),
                ConnectionTests = envelope.SpamChecks,
                Authentication = verdict,
                Message = parsed,
                Raw = raw,
                Recipients = SpamRecipients(envelope),
                QueueId = message.Id,
            }, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCheckFailed("spam", e.Message);
            return null;
        }
    }

    private static List<SpamRecipient> SpamRecipients(MessageEnvelope envelope) =>
        envelope.Recipients.Where(r => r.Local?.TenantId is not null)
            .Select(r => new SpamRecipient(r.Address, r.Local!.TenantId!, r.Local.Mailboxes.Select(m => m.MailboxId).ToList())).ToList();

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {Id} refused as spam (score {Score}; {Tests})")]
    private partial void LogSpamRefused(string id, double score, string tests);
}
