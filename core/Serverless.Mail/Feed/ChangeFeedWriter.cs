using System.Diagnostics;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Feed;

/// <summary>
/// Publishes "folder changed" entries to the change feed after index transactions committed
/// (every <see cref="Index.MailboxIndex"/> write calls <see cref="Publish"/> right after its
/// transaction, not inside it: the index stays the truth and a lost entry costs latency only).
/// Publishing never waits for storage: entries are coalesced per folder and written by one
/// background flush at a time, as many as fit in one entity-group transaction per shard — so a
/// burst of deliveries costs a handful of feed writes, and the first entry goes out at once; after a
/// write, the next waits until <see cref="ChangeFeedOptions.MinWriteInterval"/> has passed, gathering
/// what comes meanwhile (<see cref="FlushAsync"/> does not wait).
/// A failed write is tried again (with fresh keys, so readers still find it inside their overlap)
/// a few times and then dropped: readers' fallback poll covers it.
/// </summary>
public sealed partial class ChangeFeedWriter
{
    private const int MaxAttempts = 5;
    private readonly MailStorage _storage;
    private readonly ChangeFeedOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private Dictionary<(string MailboxId, int FolderId, NoticeKind Kind), FolderChangeNotice> _pending = [];
    private Task _flushing = Task.CompletedTask;
    private bool _flushRunning; // under _gate: a flush loop will take what is pending (its task may not have completed yet)
    private TaskCompletionSource _hurry = new(TaskCreationOptions.RunContinuationsAsynchronously); // under _gate: set by FlushAsync
    private long _lastWrite; // Stopwatch timestamp of the last feed transaction (0: none yet)
    private long _sequence;

    public ChangeFeedWriter(MailStorage storage, ChangeFeedOptions options, TimeProvider time, ILogger<ChangeFeedWriter> logger)
    {
        _storage = storage;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>This process's writer id (in every RowKey it writes), so its own readers can skip what it already signalled in-process.</summary>
    public string WriterId { get; } = Guid.NewGuid().ToString("N")[..12];

    public bool Enabled => _options.Enabled;

    /// <summary>Entries written (tests and the benchmark read it).</summary>
    public long Written => Interlocked.Read(ref _written);

    private long _written;

    /// <summary>Feed transactions written (each a billed request).</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    private long _transactions;

    /// <summary>Queues a notice; returns at once. Notices for one folder waiting together become one entry with the highest counters.</summary>
    public void Publish(FolderChangeNotice notice)
    {
        ArgumentNullException.ThrowIfNull(notice);
        if (!_options.Enabled)
        {
            return;
        }
        lock (_gate)
        {
            var key = (notice.MailboxId, notice.FolderId, notice.Kind);
            if (_pending.TryGetValue(key, out var waiting))
            {
                notice = waiting.HighestModSeq == 0 || notice.HighestModSeq == 0
                    ? notice with { HighestModSeq = 0 }
                    : notice with { HighestModSeq = Math.Max(waiting.HighestModSeq, notice.HighestModSeq), UidNext = Math.Max(waiting.UidNext, notice.UidNext) };
            }
            _pending[key] = notice;
            if (!_flushRunning)
            {
                _flushRunning = true;
                // Not in the publisher's execution context: the flush writes for every session of the
                // process, and its requests must not be counted as the publishing command's or tenant's.
                using (ExecutionContext.SuppressFlow())
                {
                    _flushing = Task.Run(FlushLoopAsync);
                }
            }
        }
    }

    /// <summary>Completes when everything published so far was written (or given up on). Hosts call it when they stop.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task flushing;
            lock (_gate)
            {
                flushing = _flushing;
                if (!_flushRunning && _pending.Count == 0)
                {
                    return; // all written (the last loop may still be returning)
                }
                // No gathering while someone waits for the feed to be written. Set only while a loop
                // runs, which clears it as it ends, so later writes gather again.
                _hurry.TrySetResult();
            }
            await flushing.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task FlushLoopAsync()
    {
        while (true)
        {
            Task hurry;
            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    _flushRunning = false;
                    if (_hurry.Task.IsCompleted)
                    {
                        _hurry = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }
                    return;
                }
                hurry = _hurry.Task;
            }
            var last = Interlocked.Read(ref _lastWrite);
            if (last != 0 && !hurry.IsCompleted && _options.MinWriteInterval - Stopwatch.GetElapsedTime(last) is { Ticks: > 0 } wait)
            {
                // The last transaction was moments ago: gather what comes until the interval is up
                // (FlushAsync cuts it short). Real time, not the TimeProvider: a test's stopped clock must not hold the feed.
                await Task.WhenAny(Task.Delay(wait), hurry).ConfigureAwait(false);
            }
            Dictionary<(string, int, NoticeKind), FolderChangeNotice> batch;
            lock (_gate)
            {
                batch = _pending;
                _pending = [];
            }
            Interlocked.Exchange(ref _lastWrite, Stopwatch.GetTimestamp());
            await WriteAsync([.. batch.Values]).ConfigureAwait(false);
        }
    }

    private async Task WriteAsync(IReadOnlyList<FolderChangeNotice> notices)
    {
        for (var attempt = 1; ; attempt++)
        {
            // Stamped now, at each attempt: a reader's overlap must cover only the time a write
            // takes, not how long it was retried.
            var now = _time.GetUtcNow();
            var table = ChangeFeedTables.Table(_storage, ChangeFeedTables.Day(now));
            try
            {
                foreach (var shard in notices.GroupBy(n => ChangeFeedTables.Shard(n.MailboxId, _options.Shards)))
                {
                    foreach (var chunk in shard.Chunk(100))
                    {
                        var actions = chunk.Select(n => new TableTransactionAction(TableTransactionActionType.UpsertReplace, Entity(n, shard.Key, now))).ToList();
                        await table.SubmitTransactionAsync(actions).ConfigureAwait(false);
                        Interlocked.Add(ref _written, actions.Count);
                        Interlocked.Increment(ref _transactions);
                        if (_logger.IsEnabled(LogLevel.Debug))
                        {
                            var written = _time.GetUtcNow().ToUnixTimeMilliseconds();
                            foreach (var n in chunk)
                            {
                                LogWritten(n.MailboxId, n.FolderId, n.HighestModSeq, n.UidNext, now.ToUnixTimeMilliseconds(), written);
                            }
                        }
                    }
                }
                return;
            }
            catch (RequestFailedException e) when (e.Status == 404 && attempt < MaxAttempts)
            {
                // The first entry of a UTC day creates its table (a race with another writer is a 409, fine).
                await table.CreateIfNotExistsAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is RequestFailedException or HttpRequestException or TimeoutException or OperationCanceledException && attempt < MaxAttempts)
            {
                LogRetry(e.Message, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Readers' fallback poll covers what is lost here; the index is already right.
                LogDropped(notices.Count, e.Message);
                return;
            }
        }
    }

    private TableEntity Entity(FolderChangeNotice n, string shard, DateTimeOffset now)
    {
        var entity = new TableEntity(shard, ChangeFeedTables.RowKey(now, WriterId, Interlocked.Increment(ref _sequence)))
        {
            [ChangeFeedTables.Mailbox] = n.MailboxId,
            [ChangeFeedTables.Folder] = n.FolderId,
            [ChangeFeedTables.ModSeq] = n.HighestModSeq,
            [ChangeFeedTables.UidNext] = n.UidNext,
        };
        if (n.Kind != NoticeKind.Messages)
        {
            entity[ChangeFeedTables.Kind] = (int)n.Kind; // absent for messages, the common case
        }
        return entity;
    }

    /// <summary>Deletes the daily tables older than <see cref="ChangeFeedOptions.RetentionDays"/> (a week back, so a missed run catches up). One request per day.</summary>
    public async Task<int> DeleteOldTablesAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var deleted = 0;
        var today = ChangeFeedTables.Day(now);
        for (var back = Math.Max(1, _options.RetentionDays) + 1; back <= Math.Max(1, _options.RetentionDays) + 7; back++)
        {
            try
            {
                var response = await ChangeFeedTables.Table(_storage, today.AddDays(-back)).DeleteAsync(cancellationToken).ConfigureAwait(false);
                if (response is { Status: >= 200 and < 300 })
                {
                    deleted++;
                }
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                // Never written that day, or deleted by an earlier run.
            }
        }
        return deleted;
    }

    /// <summary>Each entry once written, stamped and committed times in Unix ms (the benchmark's feed phase reads it).</summary>
    [LoggerMessage(Level = LogLevel.Debug, Message = "Change feed wrote {MailboxId}/{FolderId} MODSEQ {ModSeq} UIDNEXT {UidNext}: stamped {StampedMs}, written {WrittenMs}")]
    private partial void LogWritten(string mailboxId, int folderId, long modSeq, long uidNext, long stampedMs, long writtenMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Change feed write failed (attempt {Attempt}): {Reason}")]
    private partial void LogRetry(string reason, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Change feed: {Count} entries dropped ({Reason}); listeners' fallback poll will find the changes")]
    private partial void LogDropped(int count, string reason);
}
