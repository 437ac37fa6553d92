using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.Mail.Queues;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Feed;

/// <summary>
/// The one tail of the change feed in a listener process: every <see cref="ChangeFeedOptions.PollInterval"/>
/// (<see cref="ChangeFeedOptions.ActivePollInterval"/> for <see cref="ChangeFeedOptions.ActiveFor"/>
/// after a read that found another process's entry, or after <see cref="Expect"/>) one range query per shard ("entries since my last read, minus the overlap"), whatever the
/// number of sessions, and each new entry raised as <see cref="Changed"/> for the process's
/// folder watchers to act on. Entries this process wrote itself are skipped: its sessions were
/// told in-process when the write committed. A failed read is simply made again from the same
/// point at the next interval, so an outage delays notices but loses none that were written.
/// </summary>
public sealed partial class ChangeFeedReader : BackgroundService
{
    private static readonly string[] Columns = ["RowKey", ChangeFeedTables.Mailbox, ChangeFeedTables.Folder, ChangeFeedTables.ModSeq, ChangeFeedTables.UidNext, ChangeFeedTables.Kind];
    private readonly MailStorage _storage;
    private readonly ChangeFeedOptions _options;
    private readonly string _ownWriter;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SortedSet<string> _seen = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _reading = new(1, 1);
    private DateTimeOffset? _lastRead;
    private long _lastFoundTicks; // UTC ticks of the last read that found another process's entry, or of the last Expect
    private TaskCompletionSource _expected = NewSignal();
    private long _queries;
    private readonly MailQueues? _queues;

    /// <param name="queues">This process's queue writer: with <see cref="ChangeFeedOptions.ExpectAfterHandoff"/>, an inbound hand-off it queued makes the tail <see cref="Expect"/>.</param>
    public ChangeFeedReader(MailStorage storage, ChangeFeedOptions options, ChangeFeedWriter writer, TimeProvider time, ILogger<ChangeFeedReader> logger, MailQueues? queues = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _queues = options.ExpectAfterHandoff ? queues : null;
        _storage = storage;
        _options = options;
        _ownWriter = writer.WriterId;
        _time = time;
        _logger = logger;
    }

    /// <summary>A folder changed in another process. Handlers must be quick and must not throw.</summary>
    public event Action<FolderChangeNotice>? Changed;

    /// <summary>
    /// The feed is followed (<see cref="ChangeFeedOptions.Enabled"/>): another process's changes reach
    /// <see cref="Changed"/> within the poll interval, so what this process keeps of a folder may be
    /// trusted for that long. Off, only a read of storage tells of them.
    /// </summary>
    public bool Following => _options.Enabled;

    /// <summary>Whether anyone in the process wants notices now (e.g. some folder is watched); the tail reads nothing while not.</summary>
    public Func<bool>? Wanted { get; set; }

    /// <summary>Feed queries made (each a billed request).</summary>
    public long Queries => Interlocked.Read(ref _queries);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }
        if (_queues is not null)
        {
            _queues.Queued += OnQueued;
        }
        try
        {
            await TailAsync(stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            if (_queues is not null)
            {
                _queues.Queued -= OnQueued;
            }
        }
    }

    private void OnQueued(string queue)
    {
        if (queue == StorageNames.InboundQueue)
        {
            Expect();
        }
    }

    private async Task TailAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await WaitAsync(Interval(), stoppingToken).ConfigureAwait(false))
                {
                    continue; // expecting an entry: wait again, now at the active pace
                }
                if (Wanted is { } wanted && !wanted())
                {
                    _lastRead = null; // nobody to tell: start afresh when someone is
                    continue;
                }
                await ReadOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogReadFailed(e.Message); // read again from the same point next time
            }
        }
    }

    /// <summary>One read of the feed: raises <see cref="Changed"/> for each new entry of another process and returns how many.</summary>
    public async Task<int> ReadOnceAsync(CancellationToken cancellationToken = default)
    {
        await _reading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var start = _time.GetUtcNow();
            var since = (_lastRead ?? start) - _options.Overlap;
            var from = ChangeFeedTables.From(since);
            var raised = 0;
            foreach (var day in new[] { ChangeFeedTables.Day(since), ChangeFeedTables.Day(start) }.Distinct())
            {
                var table = ChangeFeedTables.Table(_storage, day);
                for (var shard = 0; shard < Math.Max(1, _options.Shards); shard++)
                {
                    raised += await ReadShardAsync(table, shard.ToString(System.Globalization.CultureInfo.InvariantCulture), from, cancellationToken).ConfigureAwait(false);
                }
            }
            _lastRead = start;
            if (raised > 0)
            {
                Interlocked.Exchange(ref _lastFoundTicks, start.UtcTicks);
            }
            var keep = ChangeFeedTables.From(start - _options.Overlap);
            while (_seen.Count > 0 && string.CompareOrdinal(_seen.Min, keep) < 0)
            {
                _seen.Remove(_seen.Min!);
            }
            return raised;
        }
        finally
        {
            _reading.Release();
        }
    }

    /// <summary>
    /// Another process is about to write an entry this one wants soon: this process's MX has just
    /// queued a hand-off, which the ingest in the Function App files and publishes within its queue
    /// poll. The tail goes to the active pace at once (cutting short a quiet wait) for
    /// <see cref="ChangeFeedOptions.ActiveFor"/>, so the first message after a quiet spell is not
    /// read up to a whole <see cref="ChangeFeedOptions.PollInterval"/> late. Costs reads only while
    /// mail comes in; an idle process stays at the quiet pace.
    /// </summary>
    public void Expect()
    {
        if (!_options.Enabled)
        {
            return;
        }
        var now = _time.GetUtcNow().UtcTicks;
        var before = Interlocked.Exchange(ref _lastFoundTicks, now);
        if (now - before >= _options.ActiveFor.Ticks)
        {
            Volatile.Read(ref _expected).TrySetResult(); // was at the quiet pace: end that wait
        }
    }

    /// <summary>Waits <paramref name="delay"/>; true if <see cref="Expect"/> ended it early.</summary>
    private async Task<bool> WaitAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        var expected = Volatile.Read(ref _expected).Task;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timer = Task.Delay(delay, _time, stop.Token);
        await Task.WhenAny(expected, timer).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false); // no timer left behind
        cancellationToken.ThrowIfCancellationRequested();
        if (!expected.IsCompleted)
        {
            return false;
        }
        Volatile.Write(ref _expected, NewSignal());
        return true;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The wait before the next read: short while other processes' entries keep coming, the quiet pace otherwise.</summary>
    internal TimeSpan Interval() =>
        _options.ActivePollInterval > TimeSpan.Zero && _options.ActivePollInterval < _options.PollInterval && _time.GetUtcNow().UtcTicks - Interlocked.Read(ref _lastFoundTicks) < _options.ActiveFor.Ticks
            ? _options.ActivePollInterval
            : _options.PollInterval;

    private async Task<int> ReadShardAsync(TableClient table, string shard, string from, CancellationToken cancellationToken)
    {
        var raised = 0;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {shard} and RowKey ge {from}");
        try
        {
            await foreach (var page in table.QueryAsync<TableEntity>(filter, select: Columns, cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
            {
                Interlocked.Increment(ref _queries);
                foreach (var e in page.Values)
                {
                    if (!_seen.Add(e.RowKey) || ChangeFeedTables.WriterOf(e.RowKey) == _ownWriter)
                    {
                        continue;
                    }
                    var notice = new FolderChangeNotice(e.GetString(ChangeFeedTables.Mailbox) ?? "", e.GetInt32(ChangeFeedTables.Folder) ?? 0,
                        e.GetInt64(ChangeFeedTables.ModSeq) ?? 0, e.GetInt64(ChangeFeedTables.UidNext) ?? 0, (NoticeKind)(e.GetInt32(ChangeFeedTables.Kind) ?? 0));
                    if (notice.MailboxId.Length > 0)
                    {
                        LogNoticeRead(notice.MailboxId, notice.FolderId, notice.HighestModSeq, notice.UidNext,
                            ChangeFeedTables.StampOf(e.RowKey).ToUnixTimeMilliseconds(), _time.GetUtcNow().ToUnixTimeMilliseconds());
                        Raise(notice);
                        raised++;
                    }
                }
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            Interlocked.Increment(ref _queries); // nothing written that day yet
        }
        return raised;
    }

    private void Raise(FolderChangeNotice notice)
    {
        foreach (var handler in Changed?.GetInvocationList().Cast<Action<FolderChangeNotice>>() ?? [])
        {
            try
            {
                handler(notice);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogHandlerFailed(e.Message); // one subscriber's bug must not stop the others
            }
        }
    }

    public override void Dispose()
    {
        _reading.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Change feed read failed: {Reason}")]
    private partial void LogReadFailed(string reason);

    /// <summary>Each notice as it is read, with the writer's stamp and this read's time (Unix ms): where the feed's share of a delay shows (the benchmark's feed phase reads it).</summary>
    [LoggerMessage(Level = LogLevel.Debug, Message = "Change feed read {MailboxId}/{FolderId} MODSEQ {ModSeq} UIDNEXT {UidNext}: stamped {StampedMs}, read {ReadMs}")]
    private partial void LogNoticeRead(string mailboxId, int folderId, long modSeq, long uidNext, long stampedMs, long readMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Change feed subscriber failed: {Reason}")]
    private partial void LogHandlerFailed(string reason);
}
