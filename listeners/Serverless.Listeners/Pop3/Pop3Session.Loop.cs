using Serverless.Listeners.Connections;
using Serverless.Mail.Storage;
using Serverless.Protocols.Common;
using Serverless.Protocols.Pop3;

namespace Serverless.Listeners.Pop3;

public sealed partial class Pop3Session
{
    /// <summary>
    /// RFC 2449 allows 255 octets per command; we allow more (long addresses) but bound it. The
    /// bound is for the line without its CRLF; <see cref="LineFramer"/> counts the CR, hence the 1.
    /// </summary>
    internal const int CommandLineLimit = ProtocolLimits.Pop3CommandLine + 1;

    /// <summary>SASL responses are base64 of up to ~520 octets of PLAIN; allow generous room (and the CR).</summary>
    internal const int SaslLineLimit = (8 * 1024) + 1;

    private int _badCommands;

    /// <summary>Runs the session until QUIT, a protocol violation, the idle timeout or the client leaving.</summary>
    public async Task RunAsync()
    {
        var ct = _transport.ConnectionClosed;
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _idle = idle;
        try
        {
            // No APOP timestamp in the greeting: APOP needs the plaintext password stored, which we never keep.
            Write(Pop3Reply.Ok($"{_services.Listener.HostName} POP3 server ready"));
            while (await ReadCommandAsync() is { } command)
            {
                var reply = await ExecuteAsync(command, ct);
                while (reply.Continuation is { } continuation)
                {
                    WriteContinuation(reply.Challenge);
                    var response = await ReadSaslLineAsync();
                    if (response is null)
                    {
                        return;
                    }
                    reply = await continuation(response, ct);
                }
                if (reply.After == Pop3AfterReply.StartTls)
                {
                    await _transport.UpgradeToTlsAsync(async c =>
                    {
                        await WriteAsync(reply, c);
                        await FlushAsync();
                    }, ct);
                    PendingUser = null; // RFC 2595 4: forget what was said in plaintext
                    continue;
                }
                await WriteAsync(reply, ct);
                if (reply.After == Pop3AfterReply.Close)
                {
                    await FlushAsync();
                    return;
                }
            }
        }
        catch (LineTooLongException)
        {
            await SendFinalAsync(Pop3Reply.Error("Line too long"));
        }
        catch (OperationCanceledException) when (idle.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            await SendFinalAsync(Pop3Reply.Error("Autologout: idle for too long"));
        }
        catch (Exception e) when (e is ClientGoneException || (e is OperationCanceledException && ct.IsCancellationRequested))
        {
            // The client went away.
        }
        catch (Exception e) when (StorageFailures.IsTransient(e) || e is System.Security.Authentication.AuthenticationException)
        {
            // A message stream broke after its +OK went out (nothing honest can follow), or the
            // TLS handshake failed: all we can do is close.
            _services.Logger.LogWarning(e, "POP3 connection {ConnectionId} closed after a failure", _transport.ConnectionId);
        }
        finally
        {
            await _readAhead.DiscardAllAsync();
            await ReleaseLeaseAsync(); // a dropped connection expunges nothing
        }
    }

    /// <summary>Checks the state table and runs the command. Storage failures become [SYS/TEMP] answers.</summary>
    private async ValueTask<Pop3Reply> ExecuteAsync(Pop3Command command, CancellationToken ct)
    {
        LogCommand(command);
        if (!Pop3CommandTable.Entries.TryGetValue(command.Kind, out var entry))
        {
            return BadCommand("Unknown command");
        }
        if ((entry.AllowedIn & State) == 0)
        {
            return BadCommand(State == Pop3SessionState.Authorization
                ? $"{command.Keyword} is only valid after login"
                : $"{command.Keyword} is only valid before login");
        }
        if (!command.IsValid)
        {
            return BadCommand(command.Error!);
        }
        try
        {
            return await entry.Handler.ExecuteAsync(this, command, ct);
        }
        catch (Exception e) when (StorageFailures.IsTransient(e))
        {
            _services.Logger.LogWarning(e, "POP3 {Command} failed on storage", command.Keyword);
            return Pop3Reply.Error("Storage is temporarily unavailable, try again later", Pop3ResponseCodes.SysTemp);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug, not bad input: say so rather than drop the client silently, and start afresh.
            _services.Logger.LogError(e, "POP3 {Command} failed", command.Keyword);
            return Pop3Reply.Error("Internal server error", Pop3ResponseCodes.SysTemp).Then(Pop3AfterReply.Close);
        }
    }

    /// <summary>A command error: answered, and the session goes on until too many pile up.</summary>
    private Pop3Reply BadCommand(string text)
    {
        var reply = Pop3Reply.Error(text);
        return ++_badCommands >= _services.Options.MaxBadCommands
            ? Pop3Reply.Error(text + "; too many bad commands, closing").Then(Pop3AfterReply.Close)
            : reply;
    }

    private Task SendFinalAsync(Pop3Reply reply) => _transport.SendFinalAsync(() => Write(reply));

    private void LogCommand(Pop3Command command)
    {
        if (_services.Logger.IsEnabled(LogLevel.Debug))
        {
            // Protocol log without secrets: PASS and AUTH arguments never reach the log.
            var argument = command.CarriesSecret ? "***" : command.Argument ?? command.Message?.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _services.Logger.LogDebug("POP3 {ConnectionId} C: {Keyword} {Argument}", _transport.ConnectionId, command.Keyword, argument);
        }
    }
}
