using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Serverless.Listeners.Connections;
using Serverless.Listeners.Hosting;
using Serverless.Mail.Accounts;
using Serverless.Protocols.Smtp;

namespace Serverless.Listeners.Smtp;

/// <summary>
/// One SMTP conversation: reads command lines, dispatches them through <see cref="SmtpCommandTable"/>
/// and writes the replies in order. Replies are flushed only when no further pipelined command is
/// already buffered (RFC 2920), so a pipelined group costs one write. A protocol violation (overlong
/// line, bare CR/LF in DATA, idle timeout, too many errors) closes the connection; a command error
/// is answered and the session goes on.
/// </summary>
public sealed partial class SmtpSession
{
    private readonly CancellationTokenSource _idle;
    private readonly Func<PipeReader, ValueTask<ReadResult>> _waitForInput;

    public SmtpSession(MailTransport transport, SmtpServices services)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(services);
        Transport = transport;
        Services = services;
        _idle = CancellationTokenSource.CreateLinkedTokenSource(transport.ConnectionClosed);
        Log = new SmtpProtocolLog(services.Logger, transport.ConnectionId);
        _waitForInput = WaitForInputAsync;
    }

    public MailTransport Transport { get; }

    public SmtpServices Services { get; }

    public SmtpOptions Options => Services.Options;

    public ListenerOptions Listener => Services.Listener;

    public SmtpProtocolLog Log { get; }

    public SmtpState State { get; set; } = SmtpState.Connected;

    /// <summary>The HELO/EHLO name, for Received and SPF.</summary>
    public string? Helo { get; set; }

    public bool Extended { get; set; }

    public SmtpTransaction? Transaction { get; set; }

    /// <summary>The account logged in with AUTH (submission).</summary>
    public MailboxRecord? User { get; set; }

    public int Errors { get; private set; }

    /// <summary>Set by QUIT and by fatal errors: the loop ends after the current reply is flushed.</summary>
    public bool Closing { get; set; }

    public bool IsSubmission => Transport.Endpoint.IsSubmission;

    public CancellationToken Aborted => _idle.Token;

    public string ClientAddressText => Transport.ClientAddress is { } a ? (a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).ToString() : "unknown";

    /// <summary>RFC 5321 address literal of the client, for Received.</summary>
    public string ClientAddressLiteral => Transport.ClientAddress is { } a
        ? (a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a) is var v && v.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[IPv6:{v}]" : $"[{v}]"
        : "[unknown]";

    public IPAddress? ClientAddress => Transport.ClientAddress is { } a && a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : Transport.ClientAddress;

    /// <summary>May AUTH be offered and used now: submission only, and over TLS unless the loopback dev setting applies.</summary>
    public bool AuthAllowed => IsSubmission && Transport.PasswordsAllowed(Listener);

    public async Task RunAsync()
    {
        try
        {
            Write(SmtpReply.Greeting($"{Listener.HostName} ESMTP Serverless Mail"));
            while (!Closing)
            {
                var line = await ReadLineAsync();
                if (line is null)
                {
                    return; // the client went away
                }
                await HandleCommandAsync(line.Value);
                if (!Closing && Errors >= Options.MaxErrors)
                {
                    Write(SmtpReply.Of(421, "4.7.0", $"{Listener.HostName} Too many errors, closing connection"));
                    Closing = true;
                }
            }
            await FlushAsync();
        }
        catch (LineTooLongException)
        {
            await SendFinalAsync(SmtpReply.Of(500, "5.5.2", "Line too long"));
        }
        catch (OperationCanceledException) when (!Transport.ConnectionClosed.IsCancellationRequested)
        {
            await SendFinalAsync(SmtpReply.Of(421, "4.4.2", $"{Listener.HostName} Idle timeout, closing connection"));
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ConnectionResetException or System.Security.Authentication.AuthenticationException)
        {
            LogConnectionEnded(Services.Logger, Transport.ConnectionId, e.Message);
        }
        catch (Exception e)
        {
            // A fault of ours: the client gets a temporary failure and may retry; nothing half-written was acknowledged.
            LogSessionFailed(Services.Logger, e, Transport.ConnectionId);
            await SendFinalAsync(SmtpReply.Of(421, "4.3.0", $"{Listener.HostName} Internal error, closing connection"));
        }
        finally
        {
            if (Transaction?.Chunked is { } pending)
            {
                await pending.DisposeAsync();
            }
            _idle.Dispose();
        }
    }

    private async Task HandleCommandAsync(ReadOnlyMemory<byte> raw)
    {
        var parsed = SmtpCommandParser.Parse(raw.Span);
        if (!parsed.Ok)
        {
            Log.Command("(unparsable)");
            Reply(parsed.Error!);
            return;
        }
        var line = parsed.Value;
        Log.Command(line);
        if (!SmtpCommandTable.Commands.TryGetValue(line.Verb, out var entry))
        {
            Reply(SmtpReply.Of(500, "5.5.1", "Command unrecognized"));
            return;
        }
        if ((entry.AllowedIn & State) == 0)
        {
            Reply(entry.Command.OutOfSequence(this));
            return;
        }
        var reply = await entry.Command.ExecuteAsync(this, line, Aborted);
        if (reply is not null)
        {
            Reply(reply);
        }
    }

    /// <summary>Queues a reply for the client and counts it if it reports an error.</summary>
    public void Reply(SmtpReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (reply.Code >= 400)
        {
            Errors++;
        }
        Write(reply);
    }

    private void Write(SmtpReply reply)
    {
        Log.Reply(reply);
        SmtpReplyFormatter.Write(Transport.Output, reply);
    }

    public async ValueTask FlushAsync() => await Transport.Output.FlushAsync(Aborted);

    /// <summary>Writes a reply and flushes at once (intermediate 334/354 replies, STARTTLS).</summary>
    public async ValueTask SendNowAsync(SmtpReply reply)
    {
        Write(reply);
        await FlushAsync();
    }

    private Task SendFinalAsync(SmtpReply reply) => Transport.SendFinalAsync(() => Write(reply));

    /// <summary>Clears the mail transaction (RSET, EHLO, after a message), releasing a half-received BDAT message.</summary>
    public async ValueTask ResetTransactionAsync()
    {
        if (Transaction?.Chunked is { } pending)
        {
            await pending.DisposeAsync();
        }
        Transaction = null;
        if (State != SmtpState.Connected)
        {
            State = SmtpState.Ready;
        }
    }

    /// <summary>After STARTTLS: back to the start, on the new (encrypted) input.</summary>
    public void OnTlsStarted()
    {
        Helo = null;
        Extended = false;
        User = null;
        Transaction = null;
        State = SmtpState.Connected;
    }

    /// <summary>
    /// The next line (without CRLF), or null at end of input. Flushes pending replies before it
    /// waits for the client, never while pipelined commands are still buffered.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadLineAsync()
    {
        // Copied: the pipe's memory is released once the line is taken.
        var line = await Transport.ReadLineAsync(Options.MaxCommandLine, _waitForInput, static (line, _) => line.ToArray());
        return line is null ? null : line;
    }

    private async ValueTask<ReadResult> WaitForInputAsync(PipeReader input)
    {
        await FlushAsync();
        _idle.CancelAfter(Listener.IdleTimeout);
        return await input.ReadAsync(Aborted);
    }

    /// <summary>Reads one text line for a SASL exchange; null at end of input.</summary>
    public async ValueTask<string?> ReadTextLineAsync()
    {
        var line = await ReadLineAsync();
        return line is null ? null : System.Text.Encoding.UTF8.GetString(line.Value.Span);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "SMTP {ConnectionId}: session failed")]
    private static partial void LogSessionFailed(ILogger logger, Exception e, string connectionId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "SMTP {ConnectionId}: connection ended: {Reason}")]
    private static partial void LogConnectionEnded(ILogger logger, string connectionId, string reason);
}
