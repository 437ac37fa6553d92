using Serverless.Mail.Index;
using Serverless.Mail.Security;
using Serverless.Mail.Storage;
using Serverless.Protocols.Pop3;

namespace Serverless.Listeners.Pop3;

/// <summary>
/// The end of USER/PASS and AUTH PLAIN: check the password, lease the maildrop, list INBOX once,
/// enter TRANSACTION. Three storage requests on a warm login cache: the lease insert, the INBOX
/// row and one query for the message rows.
/// </summary>
internal static class Pop3Login
{
    public static async ValueTask<Pop3Reply> LoginAsync(Pop3Session session, string login, string password, CancellationToken ct)
    {
        var services = session.Services;
        var result = await services.Logins.VerifyAsync(login, password, session.Transport.LoginThrottleAddress(services.Listener), ct);
        switch (result.Failure)
        {
            case LoginFailure.Throttled:
                // Not [AUTH]: that makes clients ask the user for a new password, which would not help.
                services.Logger.LogInformation("POP3 login for {Login} from {Ip} refused: throttled", login, session.ClientIp);
                return Pop3Reply.Error("Too many failed logins, try again later", Pop3ResponseCodes.SysTemp);
            case LoginFailure.BadCredentials:
                services.Logger.LogInformation("POP3 login for {Login} from {Ip} failed", login, session.ClientIp);
                var failed = Pop3Reply.Error("Invalid login or password", Pop3ResponseCodes.Auth);
                return ++session.AuthFailures >= services.Options.MaxAuthFailures ? failed.Then(Pop3AfterReply.Close) : failed;
            case LoginFailure.Disabled:
                return Pop3Reply.Error("This account is disabled", Pop3ResponseCodes.SysPerm);
        }
        var mailbox = result.Mailbox!;
        var holder = $"pop3 {Environment.MachineName} {session.Transport.ConnectionId}";
        var lease = await services.Leases.TryAcquireAsync(mailbox.MailboxId, holder, services.Options.LeaseDuration, ct);
        if (lease is null)
        {
            return Pop3Reply.Error("Maildrop is in use by another session", Pop3ResponseCodes.InUse);
        }
        try
        {
            var inbox = await services.Index.GetFolderAsync(mailbox.MailboxId, SpecialUse.InboxId, ct);
            if (inbox is null)
            {
                await lease.ReleaseAsync(ct);
                await lease.DisposeAsync();
                return Pop3Reply.Error("This mailbox has no INBOX", Pop3ResponseCodes.SysPerm);
            }
            var messages = new List<Pop3MaildropMessage>();
            await foreach (var m in services.Index.ListMessagesAsync(mailbox.MailboxId, SpecialUse.InboxId, includeSummary: false, cancellationToken: ct))
            {
                messages.Add(new Pop3MaildropMessage(m.Uid, m.Size, m.Source(mailbox.MailboxId, SpecialUse.InboxId), m.HasFlag("\\Seen")));
            }
            var maildrop = new Pop3Maildrop(mailbox.MailboxId, inbox.UidValidity, messages);
            session.EnterTransaction(maildrop, lease);
            return Pop3Reply.Ok($"{maildrop.Count} messages ({maildrop.Octets} octets)");
        }
        catch
        {
            // Storage failed or the client left mid-login: do not leave the maildrop locked until expiry.
            await ReleaseQuietlyAsync(lease);
            throw;
        }
    }

    private static async Task ReleaseQuietlyAsync(MaildropLease lease)
    {
        try
        {
            await lease.ReleaseAsync(CancellationToken.None);
        }
        catch (Exception e) when (StorageFailures.IsTransient(e))
        {
            // Storage is failing anyway; the lease expires by itself.
        }
        await lease.DisposeAsync();
    }
}
