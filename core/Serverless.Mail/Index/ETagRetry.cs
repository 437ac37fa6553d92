using Azure;
using Azure.Data.Tables;

namespace Serverless.Mail.Index;

/// <summary>What to do after a conflict before the next attempt.</summary>
internal enum AfterConflict
{
    /// <summary>Wait a short random time: another writer is busy with the same rows.</summary>
    Pause,

    /// <summary>Try again at once: the conflict was resolved, not raced.</summary>
    RetryAtOnce,
}

/// <summary>
/// The optimistic-concurrency loop every index write shares: an attempt reads rows with their
/// ETags and writes guarded by them; when another writer got there first (a conflict) the attempt
/// is made again, at most <see cref="MaxAttempts"/> times, after which the conflict's own
/// exception surfaces. Anything else fails at once.
/// </summary>
internal static class ETagRetry
{
    public const int MaxAttempts = 60;

    /// <summary>A transaction that lost a race: a row it guards changed (412), appeared (409) or vanished (404).</summary>
    public static bool TransactionConflict(RequestFailedException e) =>
        e is TableTransactionFailedException && e.Status is 404 or 409 or 412;

    /// <summary>
    /// Runs <paramref name="attempt"/> (given its number, from 0) until it returns. A failure that
    /// <paramref name="isConflict"/> accepts, while attempts remain, goes to <paramref name="onConflict"/>
    /// (forget cached rows, read again) and the loop goes on. With a <paramref name="gate"/>, each
    /// attempt and its conflict handling hold it; the pause does not.
    /// </summary>
    public static async Task<T> RunAsync<T>(Func<int, Task<T>> attempt, Func<RequestFailedException, bool> isConflict,
        Func<RequestFailedException, int, Task<AfterConflict>> onConflict, CancellationToken cancellationToken, SemaphoreSlim? gate = null)
    {
        for (var n = 0; ; n++)
        {
            AfterConflict next;
            if (gate is not null)
            {
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            try
            {
                return await attempt(n).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (n < MaxAttempts && isConflict(e))
            {
                next = await onConflict(e, n).ConfigureAwait(false);
            }
            finally
            {
                gate?.Release();
            }
            if (next == AfterConflict.Pause)
            {
                await PauseAsync(n, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary><see cref="RunAsync{T}"/> for attempts that return nothing.</summary>
    public static Task RunAsync(Func<int, Task> attempt, Func<RequestFailedException, bool> isConflict,
        Func<RequestFailedException, int, Task<AfterConflict>> onConflict, CancellationToken cancellationToken) =>
        RunAsync(async n =>
        {
            await attempt(n).ConfigureAwait(false);
            return true;
        }, isConflict, onConflict, cancellationToken);

    /// <summary>A conflict handler with nothing to do but wait.</summary>
    public static Task<AfterConflict> Pause(Action onConflict)
    {
        onConflict();
        return Task.FromResult(AfterConflict.Pause);
    }

    private static Task PauseAsync(int attempt, CancellationToken cancellationToken) =>
        Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(2, 10 + (Math.Min(attempt, 8) * 15))), cancellationToken);
}
