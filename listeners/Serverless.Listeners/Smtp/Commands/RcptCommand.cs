using Serverless.Mail.Accounts;
using Serverless.Mail.Storage;
using Serverless.Protocols.Smtp;

namespace Serverless.Listeners.Smtp.Commands;

/// <summary>
/// RCPT TO (RFC 5321 4.1.1.3). The MX takes only addresses that resolve in a hosted domain (mailbox,
/// alias, catch-all) and never relays; the submission ports also take remote addresses for the
/// logged-in user, which go to the outbound queue.
/// </summary>
public sealed class RcptCommand : ISmtpCommand
{
    private static readonly SmtpReply NoPostmaster = SmtpReply.Of(550, "5.1.1", "<Postmaster>: no postmaster mailbox configured here (Mail:Smtp:PostmasterAddress)");

    public SmtpReply OutOfSequence(SmtpSession session) => SmtpReply.Of(503, "5.5.1", "Need MAIL before RCPT");

    public async ValueTask<SmtpReply?> ExecuteAsync(SmtpSession session, SmtpCommandLine line, CancellationToken cancellationToken)
    {
        var tx = session.Transaction!;
        var parsed = SmtpEnvelopeParser.ParseRcptTo(line.Argument);
        if (!parsed.Ok)
        {
            return parsed.Error;
        }
        var rcpt = parsed.Value!;
        if (tx.Recipients.Count >= session.Options.MaxRecipients)
        {
            return SmtpReply.Of(452, "4.5.3", "Too many recipients");
        }
        var path = rcpt.ForwardPath;
        if (!path.IsAscii && !tx.MailFrom.SmtpUtf8)
        {
            return SmtpReply.Of(553, "5.6.7", "Non-ASCII address needs SMTPUTF8 on MAIL FROM");
        }
        var text = path.IsBarePostmaster
            ? (string.IsNullOrWhiteSpace(session.Options.PostmasterAddress) ? "postmaster@" + session.Listener.HostName : session.Options.PostmasterAddress)
            : path.Address;
        if (path.IsAddressLiteral)
        {
            return SmtpReply.Of(554, "5.7.1", $"Relay access denied for {path}");
        }
        if (!MailAddress.TryParse(text, out var address))
        {
            // <Postmaster> is always good syntax (RFC 5321 4.1.1.3): if its target cannot be an
            // address (postmaster@localhost, the host name under ./run.sh) the client's RCPT was
            // still fine, and the answer is the one for no postmaster mailbox.
            return path.IsBarePostmaster ? NoPostmaster : SmtpReply.Of(501, "5.1.3", "Bad recipient address syntax");
        }
        if (tx.Recipients.Any(r => r.Address == address.Address || r.Address == path.Address))
        {
            return SmtpReply.Of(250, "2.1.5", "Recipient OK"); // a repeated RCPT gets one copy
        }
        ResolvedRecipient resolved;
        try
        {
            resolved = await session.Services.Recipients.ResolveAsync(address, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && StorageFailures.IsTransient(e))
        {
            return SmtpReply.Of(451, "4.3.0", "Temporary failure looking up the recipient, try again later");
        }
        if (!resolved.Hosted && path.IsBarePostmaster)
        {
            // Not a relay attempt: the operator has not pointed <Postmaster> at a hosted address.
            return NoPostmaster;
        }
        if ((resolved.Hosted ? resolved.Deliverable : session.IsSubmission && session.User is not null)
            && await QuotaReplies.AtRecipientAsync(session, resolved.Hosted ? resolved : null, tx.MailFrom.Size ?? 0, cancellationToken) is { } overQuota)
        {
            return overQuota;
        }
        if (!resolved.Hosted)
        {
            if (!session.IsSubmission || session.User is null)
            {
                return SmtpReply.Of(554, "5.7.1", $"Relay access denied for {path}");
            }
            // Remote local parts are the remote host's business: keep them exactly as given.
            tx.Recipients.Add(new AcceptedRecipient(rcpt, path.Address, null));
        }
        else if (!resolved.Deliverable)
        {
            return SmtpReply.Of(550, "5.1.1", $"{path}: no such user here");
        }
        else
        {
            tx.Recipients.Add(new AcceptedRecipient(rcpt, address.Address, resolved));
        }
        session.State = SmtpState.HaveRecipients;
        return SmtpReply.Of(250, "2.1.5", "Recipient OK");
    }
}
