using System.Buffers;
using Serverless.Protocols.Common;
using Serverless.Protocols.Pop3;

namespace Serverless.Listeners.Pop3;

/// <summary>
/// Starts the blob downloads of pipelined RETR/TOP commands before their turn, so a client that
/// sends many at once waits for storage latency once, not once per message. Only the request is
/// started ahead: the session still streams each body when its command runs, in order, so
/// memory stays bounded by the number of open downloads. Commands run in order, so an entry
/// queued before the one a command takes is stale (its command failed) and is dropped.
/// </summary>
internal sealed class Pop3ReadAhead(int limit)
{
    private readonly List<(int Number, Task<Stream> Open)> _queue = [];
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
            if (command is { IsValid: true, Kind: Pop3CommandKind.Retr or Pop3CommandKind.Top, Message: int number } && start(number) is { } open)
            {
                _queue.Add((number, open));
            }
            else if (command.Kind is Pop3CommandKind.Quit or Pop3CommandKind.Unknown)
            {
                return;
            }
        }
    }

    /// <summary>The download started for message <paramref name="number"/>, if any; drops stale ones before it.</summary>
    public Task<Stream>? Take(int number)
    {
        var i = _queue.FindIndex(e => e.Number == number);
        if (i < 0)
        {
            return null;
        }
        for (var stale = 0; stale < i; stale++)
        {
            _ = DiscardAsync(_queue[stale].Open);
        }
        var open = _queue[i].Open;
        _queue.RemoveRange(0, i + 1);
        return open;
    }

    /// <summary>Closes every download not taken (the session ends).</summary>
    public async Task DiscardAllAsync()
    {
        foreach (var (_, open) in _queue)
        {
            await DiscardAsync(open);
        }
        _queue.Clear();
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
