using System.Buffers;
using Serverless.Listeners.Caching;
using Serverless.Mail.Messages;
using Serverless.Protocols.Common;
using Serverless.Protocols.Pop3;

namespace Serverless.Listeners.Pop3;

/// <summary>
/// Fetches messages before the client asks for them, two ways:
/// <list type="bullet">
/// <item>Pipelined RETR/TOP commands get their blob downloads started before their turn, so a
/// client that sends many at once waits for storage latency once, not once per message. Only the
/// request is started ahead: the session still streams each body when its command runs, in order,
/// so memory stays bounded by the number of open downloads. Commands run in order, so an entry
/// queued before the one a command takes is stale (its command failed) and is dropped.</item>
/// <item>A serial client (one command in flight, as Thunderbird and Outlook download) gets, after
/// RETR n, messages n+1… fetched into memory in the background, bounded in bytes per session and
/// per process (<see cref="Pop3ReadAheadBudget"/>), so its next RETR waits for the network, not
/// for storage. What the client sees does not change: lookups (deleted, no such message) run
/// first as always, and a fetch that failed is simply done again in the foreground, which
/// reports its own failure as before.</item>
/// </list>
/// Everything still held is dropped and released when the session ends.
/// </summary>
internal sealed class Pop3ReadAhead(int limit, int serialDepth, long sessionBytes, Pop3ReadAheadBudget budget, CancellationToken sessionEnded)
{
    private readonly List<(int Number, Task<Stream> Open)> _queue = [];
    private readonly Dictionary<int, Pop3Prefetch> _prefetched = [];
    private long _prefetchedBytes;
    private int _linesAhead;

    /// <summary>The session consumed a command line; if it was scanned before, the scan window shrinks by one.</summary>
    public void LineConsumed()
    {
        if (_linesAhead > 0)
        {
            _linesAhead--;
        }
    }

    /// <summary>
    /// Looks at the complete command lines buffered after the current one (skipping those already
    /// seen) and starts a download for each RETR/TOP that <paramref name="start"/> accepts.
    /// </summary>
    public void Scan(ReadOnlySequence<byte> following, Func<int, Task<Stream>?> start)
    {
        if (limit <= 0 || following.IsEmpty)
        {
            return;
        }
        for (var skipped = 0; skipped < _linesAhead; skipped++)
        {
            if (LineFramer.TryReadLine(following, Pop3Session.CommandLineLimit, out _, out var next) != LineStatus.Complete)
            {
                return;
            }
            following = following.Slice(next);
        }
        while (_queue.Count < limit && LineFramer.TryReadLine(following, Pop3Session.CommandLineLimit, out var line, out var next) == LineStatus.Complete)
        {
            following = following.Slice(next);
            _linesAhead++;
            var command = Pop3CommandParser.Parse(line);
            if (command is { IsValid: true, Kind: Pop3CommandKind.Retr or Pop3CommandKind.Top, Message: int number }
                && !_prefetched.ContainsKey(number) && start(number) is { } open)
            {
                _queue.Add((number, open));
            }
            else if (command.Kind is Pop3CommandKind.Quit or Pop3CommandKind.Unknown)
            {
                return;
            }
        }
    }

    /// <summary>
    /// After RETR <paramref name="after"/>: starts fetching the next undeleted messages into memory,
    /// up to <c>serialDepth</c> numbers ahead and within the session's and the process's byte
    /// budgets. Messages behind it are dropped (a serial client goes forward); a message larger
    /// than the session's budget is left to the foreground, and one the <paramref name="cache"/>
    /// holds needs no fetching. What is fetched whole goes into the cache (the same array).
    /// </summary>
    public void PrefetchAfter(int after, Pop3Maildrop maildrop, Func<MessageSource, CancellationToken, Task<Stream>> open, MessageCache cache)
    {
        if (serialDepth <= 0)
        {
            return;
        }
        foreach (var behind in _prefetched.Keys.Where(n => n <= after).ToList())
        {
            Forget(behind);
        }
        var last = Math.Min(maildrop.Total, after + serialDepth);
        for (var number = after + 1; number <= last; number++)
        {
            if (maildrop.Find(number, out var message) != Pop3MessageLookup.Found
                || _prefetched.ContainsKey(number)
                || _queue.Exists(e => e.Number == number)
                || message.Size > sessionBytes
                || cache.GetBytes(message.Source.BlobName) is { } held && held.LongLength == message.Size)
            {
                continue;
            }
            if (Interlocked.Read(ref _prefetchedBytes) + message.Size > sessionBytes || !budget.TryReserve(message.Size))
            {
                return; // full: the window moves on with the next RETR
            }
            Interlocked.Add(ref _prefetchedBytes, message.Size);
            var source = message.Source;
            _prefetched[number] = Pop3Prefetch.Start(ct => open(source, ct), message.Size, Release, sessionEnded, bytes => cache.SetBytes(source.BlobName, bytes));
        }
    }

    /// <summary>Drops what was fetched ahead for <paramref name="number"/> (DELE: it will not be retrieved).</summary>
    public void Forget(int number)
    {
        if (_prefetched.Remove(number, out var prefetch))
        {
            _ = prefetch.DropAsync();
        }
    }

    /// <summary>
    /// The download started for message <paramref name="number"/>, if any: a pipelined one (stale
    /// ones before it are dropped) or one fetched ahead for a serial client, which falls back to
    /// <paramref name="foreground"/> if fetching it ahead failed.
    /// </summary>
    public Task<Stream>? Take(int number, Func<Task<Stream>> foreground)
    {
        var i = _queue.FindIndex(e => e.Number == number);
        if (i < 0)
        {
            return _prefetched.Remove(number, out var prefetch) ? UsePrefetchedAsync(prefetch, foreground) : null;
        }
        for (var stale = 0; stale < i; stale++)
        {
            _ = DiscardAsync(_queue[stale].Open);
        }
        var open = _queue[i].Open;
        _queue.RemoveRange(0, i + 1);
        return open;
    }

    /// <summary>Closes every download not taken and releases what was fetched ahead (the session ends).</summary>
    public async Task DiscardAllAsync()
    {
        foreach (var (_, open) in _queue)
        {
            await DiscardAsync(open);
        }
        _queue.Clear();
        var prefetched = _prefetched.Values.ToList();
        _prefetched.Clear();
        await Task.WhenAll(prefetched.Select(p => p.DropAsync()));
    }

    private static async Task<Stream> UsePrefetchedAsync(Pop3Prefetch prefetch, Func<Task<Stream>> foreground)
    {
        try
        {
            return await prefetch.OpenAsync();
        }
        catch (Exception)
        {
            // Fetching ahead failed (storage, a vanished blob, the size): do it again now, as if
            // nothing had been fetched, so the client gets exactly the answer it would have got.
            prefetch.Release();
            return await foreground();
        }
    }

    private void Release(long bytes)
    {
        Interlocked.Add(ref _prefetchedBytes, -bytes);
        budget.Release(bytes);
    }

    private static async Task DiscardAsync(Task<Stream> open)
    {
        try
        {
            await (await open).DisposeAsync();
        }
        catch (Exception)
        {
            // Nobody waits for it: whatever went wrong (a missing blob, storage down, the client
            // gone), the command that would have used it reports its own failure.
        }
    }
}
