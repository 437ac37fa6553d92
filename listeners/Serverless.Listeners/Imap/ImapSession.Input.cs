using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Serverless.Listeners.Connections;
using Serverless.Protocols.Common;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap;

internal sealed partial class ImapSession
{
    private List<AppendUpload>? _uploads; // made by the first APPEND/CATENATE: most sessions never upload
    private CancellationTokenSource? _readTimer;

    /// <summary>Reads the next complete command, answering literal announcements on the way. Null when the connection ends.</summary>
    private async Task<ImapFrame?> ReadCommandAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_framer.IsIdle && State.Kind != ImapStates.NotAuthenticated && !ReferenceEquals(_framer.Limits, _limits))
            {
                _framer.Limits = _limits; // logged in: the full command limits
            }
            var input = Transport.Input;
            var result = _framer.IsIdle ? await ReadOrNotifyAsync(input, cancellationToken) : await ReadInputAsync(input, cancellationToken);
            var buffer = result.Buffer;
            var status = _framer.Process(buffer, out var consumed);
            if (status == ImapFrameStatus.NeedMoreData)
            {
                input.AdvanceTo(consumed, buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return null;
                }
                continue;
            }
            input.AdvanceTo(consumed);
            switch (status)
            {
                case ImapFrameStatus.Complete:
                    return _framer.TakeFrame();
                case ImapFrameStatus.Invalid:
                    var error = _framer.Error!;
                    await DiscardUploadsAsync();
                    if (error.Fatal)
                    {
                        await SendFinalAsync("* BYE " + error.Message);
                        return null;
                    }
                    WriteTagged(error.Tag ?? "*", ImapResult.Bad(error.Message));
                    CountBadCommand();
                    await FlushAsync(cancellationToken);
                    if (_closeAfterCommand)
                    {
                        return null;
                    }
                    break;
                case ImapFrameStatus.LiteralAnnounced:
                    if (!await OnLiteralAsync(cancellationToken))
                    {
                        return null;
                    }
                    break;
            }
        }
    }

    /// <summary>
    /// Decides about an announced literal: an APPEND message is streamed to storage; anything
    /// else is buffered if small enough. A synchronising literal that is refused is answered
    /// before the client sends it; a non-synchronising one too large to take ends the connection
    /// (the client is already sending it). Returns false when the connection must close.
    /// </summary>
    private async Task<bool> OnLiteralAsync(CancellationToken cancellationToken)
    {
        var announcement = _framer.Announcement;
        var head = ImapCommandParser.PeekHead(_framer.Partial);
        if (head is { Name: "APPEND", Uid: false } && (State.Kind & ImapStates.LoggedIn) != 0
            && ImapCommandParser.TryParseAppendPrefix(_framer.Partial) is { } prefix)
        {
            return await Commands.AppendCommand.ReceiveMessageAsync(this, prefix, announcement, cancellationToken);
        }
        var limit = State.Kind == ImapStates.NotAuthenticated ? Services.Options.MaxLiteralBeforeLogin : long.MaxValue;
        if (announcement.Size > limit || !_framer.CanBuffer(announcement.Size))
        {
            return await RefuseLiteralAsync(head?.Tag, ImapResult.Bad("Literal too large"), cancellationToken);
        }
        if (announcement.Synchronizing)
        {
            WriteLine("+ Ready for literal data");
            await FlushAsync(cancellationToken);
        }
        _framer.AcceptLiteral();
        return true;
    }

    /// <summary>Refuses the announced literal with <paramref name="result"/>. Returns false if the connection must close.</summary>
    public async Task<bool> RefuseLiteralAsync(string? tag, ImapResult result, CancellationToken cancellationToken)
    {
        await DiscardUploadsAsync();
        if (_framer.Announcement.Synchronizing)
        {
            _framer.Reset();
            WriteTagged(tag ?? "*", result);
            await FlushAsync(cancellationToken);
            return true;
        }
        await SendFinalAsync("* BYE " + result.Text);
        return false;
    }

    /// <summary>Hands the framer the announced literal the session consumed itself.</summary>
    public void ProvideLiteral(AppendUpload upload)
    {
        (_uploads ??= []).Add(upload);
        _framer.ProvideLiteral(upload);
    }

    /// <summary>A message blob the command in progress wrote itself (CATENATE): deleted when the command ends unless indexed.</summary>
    public void TrackUpload(AppendUpload upload) => (_uploads ??= []).Add(upload);

    /// <summary>
    /// Feeds the next <paramref name="length"/> bytes of input to <paramref name="sink"/> without
    /// buffering them. Returns false if the connection ended first.
    /// </summary>
    public async Task<bool> ReadLiteralAsync(long length, Func<ReadOnlySequence<byte>, ValueTask> sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var remaining = length;
        while (remaining > 0)
        {
            var input = Transport.Input;
            var result = await ReadInputAsync(input, cancellationToken);
            var buffer = result.Buffer;
            var take = Math.Min(remaining, buffer.Length);
            if (take > 0)
            {
                var slice = buffer.Slice(0, take);
                await sink(slice);
                input.AdvanceTo(slice.End);
                remaining -= take;
            }
            else
            {
                input.AdvanceTo(buffer.Start, buffer.End);
            }
            if (remaining > 0 && (result.IsCompleted || result.IsCanceled))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Reads one line (AUTHENTICATE responses), bounded. Null when the connection ends.</summary>
    public async Task<string?> ReadLineAsync(int maxLength, CancellationToken cancellationToken)
    {
        try
        {
            return await Transport.ReadLineAsync(maxLength, input => ReadInputAsync(input, cancellationToken), DecodeLine);
        }
        catch (LineTooLongException)
        {
            throw LineTooLong();
        }
    }

    /// <summary>Takes a line from a completed read if there is one (IDLE's DONE); otherwise marks everything examined.</summary>
    public static bool TryTakeLine(PipeReader input, ReadResult result, int maxLength, out string? line) =>
        MailTransport.TakeLine(input, result, maxLength, DecodeLine, out line) switch
        {
            LineStatus.Complete => true,
            LineStatus.TooLong => throw LineTooLong(),
            _ => false,
        };

    private static string DecodeLine(ReadOnlySequence<byte> line, ReadOnlySequence<byte> following) => Encoding.UTF8.GetString(line);

    /// <summary>An overlong line inside a command is a command error: BAD, and the session goes on.</summary>
    private static ImapCommandException LineTooLong() => new(ImapResult.Bad("Line too long"));

    /// <summary>One read from the client, ended by the autologout timer (RFC 3501 5.4).</summary>
    public async ValueTask<ReadResult> ReadInputAsync(PipeReader input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        // One timer per session, re-armed for each read, so reads allocate nothing.
        _readTimer ??= CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timeout = State.Kind == ImapStates.NotAuthenticated ? Services.Listener.IdleTimeout : Services.Listener.ImapIdleTimeout;
        _readTimer.CancelAfter(timeout);
        try
        {
            var read = input.ReadAsync(_readTimer.Token);
            if (!read.IsCompleted)
            {
                Transport.ReleaseIdleCompressor(); // waiting for the client: no compressor held meanwhile
            }
            return await read;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SessionTimeoutException();
        }
        finally
        {
            if (!_readTimer.IsCancellationRequested)
            {
                _readTimer.CancelAfter(Timeout.Infinite);
            }
        }
    }

    /// <summary>After STARTTLS: the framer starts afresh (the transport discarded pipelined plaintext).</summary>
    public void ResetInput() => _framer.Reset();

    /// <summary>Uploads of the command in progress that no command took: their blobs are deleted.</summary>
    private async Task DiscardUploadsAsync()
    {
        if (_uploads is not { Count: > 0 })
        {
            return;
        }
        var uploads = _uploads.ToList();
        _uploads.Clear();
        foreach (var upload in uploads)
        {
            await upload.DiscardAsync(Services.Messages);
        }
    }
}
