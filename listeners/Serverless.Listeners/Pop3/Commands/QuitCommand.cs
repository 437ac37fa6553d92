using System.Globalization;
using Serverless.Mail.Index;
using Serverless.Mail.Storage;
using Serverless.Protocols.Pop3;

namespace Serverless.Listeners.Pop3.Commands;

/// <summary>
/// RFC 1939 QUIT. Before login it just says goodbye. In TRANSACTION it enters UPDATE: the
/// messages marked deleted are expunged through the mailbox index (so IMAP sessions see them go,
/// with change-log entries), messages retrieved whole get \Seen, and the lease is released.
/// </summary>
internal sealed class QuitCommand : IPop3Command
{
    public async ValueTask<Pop3Reply> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        var host = session.Services.Listener.HostName;
        if (session.State != Pop3SessionState.Transaction)
        {
            return Pop3Reply.Ok($"{host} POP3 server signing off").Then(Pop3AfterReply.Close);
        }
        session.EnterUpdate();
        var maildrop = session.Maildrop!;
        var index = session.Services.Index;
        var deleted = maildrop.DeletedUids();
        try
        {
            // Only the lease holder may change the maildrop: if ours expired, another session may own it now.
            if (deleted.Count > 0 && !await session.Lease!.EnsureHeldAsync(cancellationToken))
            {
                return Pop3Reply.Error("The maildrop lock expired; no messages were deleted", Pop3ResponseCodes.SysTemp).Then(Pop3AfterReply.Close);
            }
            var removed = deleted.Count == 0 ? [] : await index.ExpungeAsync(maildrop.MailboxId, SpecialUse.InboxId, deleted, cancellationToken);
            var seen = maildrop.RetrievedUnseenUids();
            if (seen.Count > 0)
            {
                await index.StoreFlagsAsync(maildrop.MailboxId, SpecialUse.InboxId, seen, FlagMode.Add, ["\\Seen"], cancellationToken: cancellationToken);
            }
            return Pop3Reply.Ok(string.Create(CultureInfo.InvariantCulture, $"{host} POP3 server signing off ({removed.Count} messages deleted, {maildrop.Count} left)"))
                .Then(Pop3AfterReply.Close);
        }
        catch (Exception e) when (StorageFailures.IsTransient(e))
        {
            session.Services.Logger.LogWarning(e, "POP3 UPDATE of mailbox {MailboxId} failed", maildrop.MailboxId);
            return Pop3Reply.Error("Some deleted messages were not removed, try again later", Pop3ResponseCodes.SysTemp).Then(Pop3AfterReply.Close);
        }
        finally
        {
            await session.ReleaseLeaseAsync();
        }
    }
}
