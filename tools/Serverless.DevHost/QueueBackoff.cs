namespace Serverless.DevHost;

/// <summary>
/// A queue poller's wait between empty receives, as the Functions host's: from 100 ms, doubling up
/// to <c>maxPollingInterval</c>, back to 100 ms once a receive brings messages. <see cref="Wake"/>
/// (a message this process itself just queued) ends a longer wait at once and starts the back-off over.
/// </summary>
internal sealed class QueueBackoff(TimeSpan maximum, TimeSpan? start = null)
{
    public static readonly TimeSpan Minimum = TimeSpan.FromMilliseconds(100);

    private TaskCompletionSource _woken = New();

    /// <summary>The next wait, if nothing wakes it.</summary>
    public TimeSpan Delay { get; private set; } = start ?? Minimum;

    /// <summary>Called before each receive: a wake from now on (even while the receive runs) ends the next wait.</summary>
    public void Arm() => Volatile.Write(ref _woken, New());

    /// <summary>
    /// Ends a wait that has grown past <see cref="Minimum"/> (the queue had been quiet). While mail
    /// flows the wait is at its minimum and is left to run: the messages queued meanwhile are then
    /// received together, as one batch, instead of one receive (and one index transaction) each.
    /// </summary>
    public void Wake()
    {
        if (Delay > Minimum)
        {
            Volatile.Read(ref _woken).TrySetResult();
        }
    }

    /// <summary>A receive brought messages.</summary>
    public void Reset() => Delay = Minimum;

    /// <summary>After an empty receive: waits <see cref="Delay"/> or until woken (true), or the token is cancelled.</summary>
    public async Task<bool> WaitAsync(CancellationToken cancellationToken)
    {
        var woken = Volatile.Read(ref _woken).Task;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await Task.WhenAny(woken, Task.Delay(Delay, stop.Token)).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false); // a wake: no timer left behind
        if (woken.IsCompleted)
        {
            Delay = Minimum;
            return true;
        }
        Delay = TimeSpan.FromTicks(Math.Min(maximum.Ticks, Delay.Ticks * 2));
        return false;
    }

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
