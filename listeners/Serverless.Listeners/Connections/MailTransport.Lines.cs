using System.Buffers;
using System.IO.Pipelines;
using Serverless.Listeners.Hosting;
using Serverless.Protocols.Common;

namespace Serverless.Listeners.Connections;

/// <summary>Turns the bytes of a line into what the session wants, before the pipe lets go of them; <paramref name="following"/> is what is buffered after it.</summary>
public delegate T LineParser<T>(ReadOnlySequence<byte> line, ReadOnlySequence<byte> following);

/// <summary>
/// The line input and the last reply of every session: SMTP, IMAP and POP3 read their command
/// lines through <see cref="LineFramer"/> here and say goodbye through <see cref="SendFinalAsync"/>.
/// </summary>
public sealed partial class MailTransport
{
    /// <summary>
    /// The next line, or null at the end of input. Lines already buffered are taken without
    /// waiting; only when more input is needed does <paramref name="waitForInput"/> run (the
    /// session flushes its replies there and arms its idle timer), so pipelined commands get
    /// their replies in one write. Throws <see cref="LineTooLongException"/> past the bound.
    /// </summary>
    public async ValueTask<T?> ReadLineAsync<T>(int maxLength, Func<PipeReader, ValueTask<ReadResult>> waitForInput, LineParser<T> parse)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(waitForInput);
        var wait = false;
        while (true)
        {
            var input = Input; // read each time: STARTTLS replaces it
            if (wait || !input.TryRead(out var result))
            {
                result = await waitForInput(input).ConfigureAwait(false);
            }
            switch (TakeLine(input, result, maxLength, parse, out var value))
            {
                case LineStatus.Complete:
                    return value;
                case LineStatus.TooLong:
                    throw new LineTooLongException();
            }
            if (result.IsCompleted || result.IsCanceled)
            {
                return null;
            }
            wait = true;
        }
    }

    /// <summary>
    /// Takes a line out of a read from <paramref name="input"/> if it holds one (for a session that
    /// reads by itself, as IDLE does); otherwise marks everything examined. An overlong line is
    /// consumed up to its LF or, without one, as far as it was received.
    /// </summary>
    public static LineStatus TakeLine<T>(PipeReader input, in ReadResult result, int maxLength, LineParser<T> parse, out T? value)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(parse);
        value = null;
        var buffer = result.Buffer;
        var status = LineFramer.TryReadLine(buffer, maxLength, out var line, out var next);
        switch (status)
        {
            case LineStatus.Complete:
                value = parse(line, buffer.Slice(next));
                input.AdvanceTo(next);
                break;
            case LineStatus.TooLong:
                input.AdvanceTo(next);
                break;
            default:
                input.AdvanceTo(buffer.Start, buffer.End);
                break;
        }
        return status;
    }

    /// <summary>
    /// The one way a session ends with a last reply (line too long, idle timeout, internal error):
    /// <paramref name="write"/> queues it, it is flushed, and a client that is already gone is no error.
    /// </summary>
    public async Task SendFinalAsync(Action write)
    {
        ArgumentNullException.ThrowIfNull(write);
        try
        {
            write();
            await Output.FlushAsync(ConnectionClosed).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The client is gone already (ConnectionResetException is an IOException).
        }
    }

    /// <summary>
    /// May a password cross this connection now: over TLS, or in development from a loopback
    /// client with <c>Mail:Listeners:AllowPlaintextAuthOnLoopback</c>. The one rule behind SMTP
    /// AUTH, IMAP LOGIN/AUTHENTICATE/LOGINDISABLED and POP3 USER/PASS/AUTH.
    /// </summary>
    public bool PasswordsAllowed(ListenerOptions listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        return IsTls || (listener.AllowPlaintextAuthOnLoopback && IsLoopback);
    }

    /// <summary>
    /// The address to count failed logins by (one rule for SMTP AUTH, IMAP and POP3), or null when it
    /// is not the client's own: with <c>Mail:Listeners:ClientAddressesHidden</c> the socket peer is a
    /// proxy that every client shares, and only an address from a trusted PROXY header is real.
    /// </summary>
    public string? LoginThrottleAddress(ListenerOptions listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        if (listener.ClientAddressesHidden && !ClientAddressFromProxyHeader)
        {
            return null;
        }
        return ClientAddress is { } a ? (a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).ToString() : "unknown";
    }
}
