namespace Serverless.Mail.Index;

/// <summary>A role that writes waiting requests of one mailbox in as few transactions as fit.</summary>
internal interface IGroupWriter
{
    /// <summary>
    /// Writes <paramref name="group"/> (all of this writer, one mailbox; the lane is held) and
    /// completes each request. A request it cannot take now goes back to the front of the lane's
    /// queue; one it fails is failed alone, never the others with it.
    /// </summary>
    Task WriteAsync(MailboxLanes.Lane lane, string mailboxId, List<PendingWrite> group, CancellationToken cancellationToken);
}

/// <summary>One caller's write waiting in a mailbox's lane.</summary>
internal abstract class PendingWrite(string mailboxId, IGroupWriter writer)
{
    public string MailboxId { get; } = mailboxId;

    public IGroupWriter Writer { get; } = writer;

    /// <summary>
    /// Set after a group it was in failed for a reason that names no single request (a timeout, a
    /// 5xx): it is then tried in a transaction of its own, so only a write that fails alone fails.
    /// </summary>
    public bool Alone { get; set; }

    public abstract bool IsCompleted { get; }

    public abstract void Fail(Exception e);
}

/// <summary>A waiting write whose caller awaits a <typeparamref name="T"/>.</summary>
internal abstract class PendingWrite<T>(string mailboxId, IGroupWriter writer) : PendingWrite(mailboxId, writer)
{
    public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override bool IsCompleted => Completion.Task.IsCompleted;

    public override void Fail(Exception e) => Completion.TrySetException(e);
}

/// <summary>
/// Group commit for one process: a write joins its mailbox's lane queue; whoever holds the lane
/// takes everything waiting for that mailbox and hands it, by role, to the writers, which coalesce
/// it into entity-group transactions. Each caller waits for its own outcome only: it returns as
/// soon as a group holding its write completed it, even while the lane goes on with others.
/// </summary>
internal static class GroupCommit
{
    public static async Task<T> SubmitAsync<T>(MailboxLanes.Lane lane, PendingWrite<T> pending, CancellationToken cancellationToken)
    {
        lock (lane.Pending)
        {
            lane.Pending.Add(pending);
        }
        var token = cancellationToken;
        while (!pending.IsCompleted)
        {
            try
            {
                await lane.Gate.WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                lock (lane.Pending)
                {
                    if (lane.Pending.Remove(pending))
                    {
                        throw;
                    }
                }
                // Already taken by another caller's group: see it through, even if it comes back
                // to wait (a group that did not fit, or one retried alone), so it is never left behind.
                token = CancellationToken.None;
                continue;
            }
            try
            {
                if (pending.IsCompleted)
                {
                    break;
                }
                await WriteWaitingAsync(lane, pending.MailboxId, token).ConfigureAwait(false);
            }
            finally
            {
                lane.Gate.Release();
            }
        }
        return await pending.Completion.Task.ConfigureAwait(false);
    }

    /// <summary>Takes what waits for <paramref name="mailboxId"/> and writes it, each writer's share in turn.</summary>
    private static async Task WriteWaitingAsync(MailboxLanes.Lane lane, string mailboxId, CancellationToken cancellationToken)
    {
        List<PendingWrite> taken;
        lock (lane.Pending)
        {
            // A request marked Alone goes in a round by itself (the first one waiting, with nothing else).
            var first = lane.Pending.FirstOrDefault(p => p.MailboxId == mailboxId);
            taken = first is null ? []
                : first.Alone ? [first]
                : lane.Pending.Where(p => p.MailboxId == mailboxId && !p.Alone).ToList();
            foreach (var p in taken)
            {
                lane.Pending.Remove(p);
            }
        }
        foreach (var group in taken.GroupBy(p => p.Writer).ToList())
        {
            var list = group.ToList();
            try
            {
                await group.Key.WriteAsync(lane, mailboxId, list, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // Writers settle their own failures; this is the net under a bug in one.
                foreach (var p in list.Where(p => !p.IsCompleted && !IsWaiting(lane, p)))
                {
                    p.Fail(e);
                }
            }
        }
    }

    /// <summary>
    /// A group failed without saying whose write caused it: a single request fails; several go
    /// back to wait, each to be tried alone, so one bad write never fails the others.
    /// </summary>
    public static void Retreat(MailboxLanes.Lane lane, IEnumerable<PendingWrite> group, Exception e)
    {
        lock (lane.Pending)
        {
            var open = group.Where(p => !p.IsCompleted && !lane.Pending.Contains(p)).ToList();
            if (open.Count == 1 && open[0].Alone)
            {
                open[0].Fail(e);
                return;
            }
            foreach (var p in open)
            {
                p.Alone = true;
            }
            lane.Pending.InsertRange(0, open);
        }
    }

    /// <summary>Puts requests a round could not take back to the front of the queue, in their order.</summary>
    public static void Requeue(MailboxLanes.Lane lane, IEnumerable<PendingWrite> later)
    {
        lock (lane.Pending)
        {
            lane.Pending.InsertRange(0, later.Where(p => !p.IsCompleted && !lane.Pending.Contains(p)));
        }
    }

    private static bool IsWaiting(MailboxLanes.Lane lane, PendingWrite p)
    {
        lock (lane.Pending)
        {
            return lane.Pending.Contains(p);
        }
    }
}
