using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Serverless.Listeners.Caching;
using Serverless.Listeners.Connections;
using Serverless.Mail.Messages;
using Serverless.Mail.Storage;
using Serverless.Protocols.Pop3;

namespace Serverless.Listeners.Pop3;

public sealed partial class Pop3Session
{
    private const int BodyChunk = 32 * 1024;
    private const int FlushThreshold = 64 * 1024;

    private readonly Pop3ReadAhead _readAhead;
    private CancellationTokenSource _idle = null!;
    private bool _unflushed;

    /// <summary>
    /// The next command, or null when the client closed the connection. Replies are flushed only
    /// when no further complete command is already buffered, so a pipelining client (RFC 2449
    /// PIPELINING) gets its answers in as few packets as possible, in order.
    /// </summary>
    private ValueTask<Pop3Command?> ReadCommandAsync() =>
        _transport.ReadLineAsync(CommandLineLimit, WaitForInputAsync, ParseCommand);

    /// <summary>A SASL response line (base64 or "*"), or null when the client closed the connection.</summary>
    private ValueTask<string?> ReadSaslLineAsync() =>
        _transport.ReadLineAsync(SaslLineLimit, WaitForInputAsync, static (line, _) => Encoding.ASCII.GetString(line));

    private Pop3Command ParseCommand(ReadOnlySequence<byte> line, ReadOnlySequence<byte> following)
    {
        var parsed = Pop3CommandParser.Parse(line);
        _readAhead.LineConsumed();
        if (State == Pop3SessionState.Transaction)
        {
            _readAhead.Scan(following, StartDownload);
        }
        return parsed;
    }

    private async ValueTask<ReadResult> WaitForInputAsync(PipeReader input)
    {
        await FlushAsync();
        _idle.CancelAfter(_services.Options.IdleTimeout);
        return await input.ReadAsync(_idle.Token);
    }

    /// <summary>Read-ahead: open the blob of a pipelined RETR/TOP if the message exists and is not deleted.</summary>
    private Task<Stream>? StartDownload(int number) =>
        Maildrop?.Find(number, out var message) == Pop3MessageLookup.Found
            ? OpenBytesAsync(message.Source, message.Size, _transport.ConnectionClosed)
            : null;

    /// <summary>
    /// Opens a message for RETR/TOP: the download started by read-ahead if there is one, else a
    /// new one. Opening before the +OK means a missing blob still gets a clean -ERR.
    /// </summary>
    internal Task<Stream> OpenMessageAsync(int number, in Pop3MaildropMessage message, CancellationToken cancellationToken)
    {
        var (source, size) = (message.Source, message.Size);
        return _readAhead.Take(number, () => OpenBytesAsync(source, size, cancellationToken))
            ?? OpenBytesAsync(source, size, cancellationToken);
    }

    /// <summary>
    /// A message's bytes: from the process's <see cref="MessageCache"/> when held (read by any
    /// session, or stored by this process's MX), else from its blob, kept in the cache as they are
    /// read when the whole message fits the cache's per-message cap.
    /// </summary>
    private Task<Stream> OpenBytesAsync(MessageSource source, long size, CancellationToken cancellationToken)
    {
        var cache = _services.Cache;
        if (cache.GetBytes(source.BlobName) is { } held && held.LongLength == size)
        {
            return Task.FromResult<Stream>(new MemoryStream(held, writable: false));
        }
        return size > 0 && size <= cache.MaxMessageBytes ? OpenKeepingAsync(source, (int)size, cancellationToken) : _services.Messages.OpenReadAsync(source, cancellationToken);
    }

    private async Task<Stream> OpenKeepingAsync(MessageSource source, int size, CancellationToken cancellationToken) =>
        new KeepingMessageStream(await _services.Messages.OpenReadAsync(source, cancellationToken), _services.Cache, source.BlobName, size, cancellationToken);

    /// <summary>
    /// RETR <paramref name="number"/> is being answered: fetch the following messages for a serial
    /// client, those the cache does not hold (what is fetched ahead whole goes into the cache too).
    /// </summary>
    internal void ReadAheadAfter(int number) =>
        _readAhead.PrefetchAfter(number, Maildrop!, (blob, ct) => _services.Messages.OpenReadAsync(blob, ct), _services.Cache);

    /// <summary>DELE <paramref name="number"/>: what was fetched ahead for it is not needed.</summary>
    internal void ForgetReadAhead(int number) => _readAhead.Forget(number);

    private void Write(Pop3Reply reply)
    {
        var output = _transport.Output;
        Pop3ResponseWriter.WriteStatus(output, reply.Status);
        if (reply.Lines is { } lines)
        {
            foreach (var line in lines)
            {
                Pop3ResponseWriter.WriteDataLine(output, line);
            }
            Pop3ResponseWriter.WriteTerminator(output);
        }
        _unflushed = true;
    }

    private void WriteContinuation(string challenge)
    {
        Pop3ResponseWriter.WriteContinuation(_transport.Output, challenge);
        _unflushed = true;
    }

    private async ValueTask WriteAsync(Pop3Reply reply, CancellationToken ct)
    {
        if (reply.Body is not { } body)
        {
            Write(reply);
            return;
        }
        await using (body)
        {
            var chunk = ArrayPool<byte>.Shared.Rent(BodyChunk);
            try
            {
                // The first chunk is read before the +OK goes out: a download that fails at once
                // (storage gone between the open and the read) still gets an honest -ERR [SYS/TEMP]
                // instead of a connection dropped after a +OK.
                int first;
                try
                {
                    first = await body.Content.ReadAsync(chunk.AsMemory(0, BodyChunk), ct);
                }
                catch (Exception e) when (StorageFailures.IsTransient(e))
                {
                    _services.Logger.LogWarning(e, "POP3 message download failed before its first byte");
                    Write(Pop3Reply.Error("Storage is temporarily unavailable, try again later", Pop3ResponseCodes.SysTemp));
                    return;
                }
                Write(reply);
                await StreamBodyAsync(body, chunk, first, ct);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }
    }

    /// <summary>
    /// Copies a message from its blob to the client through the byte-stuffer (and for TOP the
    /// header/lines cut) in fixed-size chunks, flushing as it goes so memory stays bounded
    /// whatever the message size and however slowly the client reads. <paramref name="read"/>
    /// bytes of <paramref name="chunk"/> were read already.
    /// </summary>
    private async Task StreamBodyAsync(Pop3MessageBody body, byte[] chunk, int read, CancellationToken ct)
    {
        var output = _transport.Output;
        var stuffer = new Pop3DotStuffer();
        var top = body.TopLines is int lines ? new Pop3TopFilter(lines) : null;
        var sinceFlush = 0;
        while (read > 0)
        {
            var take = top?.Take(chunk.AsSpan(0, read)) ?? read;
            stuffer.Write(chunk.AsSpan(0, take), output);
            sinceFlush += take;
            if (sinceFlush >= FlushThreshold)
            {
                await FlushAsync();
                sinceFlush = 0;
            }
            if (top is { IsComplete: true })
            {
                break;
            }
            read = await body.Content.ReadAsync(chunk.AsMemory(0, BodyChunk), ct);
        }
        stuffer.Complete(output);
        _unflushed = true;
    }

    /// <summary>Flushes pending output; the idle timer also bounds how long a client may leave it unread.</summary>
    private async ValueTask FlushAsync()
    {
        if (!_unflushed)
        {
            return;
        }
        _idle.CancelAfter(_services.Options.IdleTimeout);
        var result = await _transport.Output.FlushAsync(_idle.Token);
        _unflushed = false;
        if (result.IsCompleted || result.IsCanceled)
        {
            // The client is gone: stop instead of pushing the rest of a message into the void.
            throw new ClientGoneException();
        }
    }

    private sealed class ClientGoneException : Exception
    {
    }
}
