using Serverless.Mail.Storage;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 2177 IDLE: reports changes to the selected folder as they happen until the client sends
/// DONE. The folder's shared watcher polls storage while anyone idles on it and is woken at once
/// by writes in this process.
/// </summary>
internal sealed class IdleCommand : IImapCommand
{
    /// <summary>Stands in for a signal the session does not have (no folder, no NOTIFY): one for all sessions, not one per IDLE.</summary>
    private static readonly Task Never = new TaskCompletionSource().Task;

    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        session.WriteLine("+ idling");
        await session.ReportChangesAsync(force: false, allowExpunge: true, cancellationToken);
        await session.FlushAsync(cancellationToken);
        var watcher = session.Selected?.Watcher;
        watcher?.BeginIdle();
        try
        {
            var input = session.Transport.Input;
            var read = session.ReadInputAsync(input, cancellationToken).AsTask();
            while (true)
            {
                var changed = session.Selected?.Watcher.Changed ?? Never;
                var first = await Task.WhenAny(read, changed, session.Notify?.Signal ?? Never); // RFC 5465 4: NOTIFY's events during IDLE too
                if (first == read)
                {
                    var result = await read;
                    if (ImapSession.TryTakeLine(input, result, 1024, out var line))
                    {
                        return string.Equals(line, "DONE", StringComparison.OrdinalIgnoreCase)
                            ? ImapResult.Ok("IDLE terminated")
                            : ImapResult.Bad("Expected DONE");
                    }
                    if (result.IsCompleted || result.IsCanceled)
                    {
                        session.CloseAfterCommand();
                        return ImapResult.Sent;
                    }
                    read = session.ReadInputAsync(input, cancellationToken).AsTask();
                    continue;
                }
                try
                {
                    await session.ReportChangesAsync(force: false, allowExpunge: true, cancellationToken);
                    await session.DeliverNotificationsAsync(allowExpunge: true, cancellationToken);
                }
                catch (Exception e) when (StorageFailures.IsTransient(e))
                {
                    // Keep idling; the next poll tries again.
                }
                await session.FlushAsync(cancellationToken);
                if (session.Selected is null || session.Selected.Watcher.Deleted)
                {
                    session.CloseAfterCommand();
                    return ImapResult.Sent;
                }
            }
        }
        finally
        {
            watcher?.EndIdle();
        }
    }
}
