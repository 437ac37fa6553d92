using Serverless.Listeners.Connections;
using Serverless.Mail.Accounts;
using Serverless.Mail.Storage;
using Serverless.Protocols.ManageSieve;

namespace Serverless.Listeners.ManageSieve;

/// <summary>
/// One ManageSieve connection (RFC 5804): its state and the logged-in mailbox. Reading and writing
/// are in the other part of this class; the commands, one per file under Commands/, read and change
/// this state and return replies.
/// </summary>
public sealed partial class ManageSieveSession
{
    private readonly MailTransport _transport;
    private readonly ManageSieveServices _services;
    private int _badCommands;

    internal ManageSieveSession(MailTransport transport, ManageSieveServices services)
    {
        _transport = transport;
        _services = services;
    }

    public ManageSieveSessionState State { get; private set; } = ManageSieveSessionState.NotAuthenticated;

    internal ManageSieveServices Services => _services;

    internal MailTransport Transport => _transport;

    /// <summary>Set once logged in.</summary>
    internal MailboxRecord? Mailbox { get; private set; }

    internal int AuthFailures { get; set; }

    /// <summary>AUTHENTICATE "PLAIN" now: over TLS, or the loopback development setting.</summary>
    internal bool PasswordsAllowed => _transport.PasswordsAllowed(_services.Listener);

    internal bool StartTlsAvailable => !_transport.IsTls && _transport.Endpoint.Tls == TlsMode.StartTls;

    internal string ClientIp => _transport.ClientAddress?.ToString() ?? "unknown";

    internal void EnterAuthenticated(MailboxRecord mailbox)
    {
        Mailbox = mailbox;
        State = ManageSieveSessionState.Authenticated;
        _transport.LeavePreLogin();
    }

    /// <summary>RFC 5804 2.14 UNAUTHENTICATE: back to the state right after the greeting (TLS stays).</summary>
    internal void Unauthenticate()
    {
        Mailbox = null;
        State = ManageSieveSessionState.NotAuthenticated;
    }

    /// <summary>Runs the session until LOGOUT, BYE, the idle timeout or the client leaving.</summary>
    public async Task RunAsync()
    {
        var ct = _transport.ConnectionClosed;
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _idle = idle;
        try
        {
            // RFC 5804 1.7: the greeting is the capability listing and OK.
            Write(Commands.CapabilityCommand.Listing(this, $"{_services.Listener.HostName} ManageSieve ready"));
            while (await ReadCommandAsync() is { } parsed)
            {
                var reply = await DispatchAsync(parsed, ct);
                while (reply.Continuation is { } continuation)
                {
                    WriteChallenge(reply.Challenge);
                    var response = await ReadSaslResponseAsync();
                    if (response is null)
                    {
                        return;
                    }
                    reply = await continuation(response, ct);
                }
                if (reply.After == ManageSieveAfterReply.StartTls)
                {
                    await _transport.UpgradeToTlsAsync(async c =>
                    {
                        Write(reply);
                        await FlushAsync();
                    }, ct);
                    // RFC 5804 2.2: the capabilities again, now over TLS.
                    Write(Commands.CapabilityCommand.Listing(this, "TLS negotiation successful"));
                    continue;
                }
                Write(reply);
                if (reply.After == ManageSieveAfterReply.Close)
                {
                    await FlushAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (idle.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            await SendFinalAsync(ManageSieveReply.Bye("Idle for too long", "TRYLATER"));
        }
        catch (Exception e) when (e is ClientGoneException || (e is OperationCanceledException && ct.IsCancellationRequested))
        {
            // The client went away.
        }
        catch (System.Security.Authentication.AuthenticationException e)
        {
            _services.Logger.LogInformation(e, "ManageSieve TLS handshake failed on {ConnectionId}", _transport.ConnectionId);
        }
    }

    /// <summary>A parse result to a reply: syntax errors are answered NO, protocol violations BYE.</summary>
    private async ValueTask<ManageSieveReply> DispatchAsync(ManageSieveParse parsed, CancellationToken ct) => parsed.Status switch
    {
        ManageSieveParseStatus.Complete => await ExecuteAsync(parsed.Command!, ct),
        ManageSieveParseStatus.Invalid => BadCommand(parsed.Error!),
        ManageSieveParseStatus.LiteralTooLarge => await RefuseLiteralAsync(parsed),
        _ => ManageSieveReply.Bye("Line too long"),
    };

    /// <summary>Checks the state table and runs the command. Storage failures become NO (TRYLATER).</summary>
    private async ValueTask<ManageSieveReply> ExecuteAsync(ManageSieveCommand command, CancellationToken ct)
    {
        LogCommand(command);
        if (!ManageSieveCommandTable.Entries.TryGetValue(command.Name, out var entry))
        {
            return BadCommand($"Unknown command {command.Name}");
        }
        if ((entry.AllowedIn & State) == 0)
        {
            return BadCommand(State == ManageSieveSessionState.NotAuthenticated
                ? $"{command.Name} is only valid after AUTHENTICATE"
                : $"{command.Name} is only valid before AUTHENTICATE");
        }
        try
        {
            return await entry.Handler.ExecuteAsync(this, command, ct);
        }
        catch (ArgumentsException e)
        {
            return BadCommand(e.Message);
        }
        catch (Exception e) when (StorageFailures.IsTransient(e))
        {
            _services.Logger.LogWarning(e, "ManageSieve {Command} failed on storage", command.Name);
            return ManageSieveReply.No("Storage is temporarily unavailable, try again later", "TRYLATER");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _services.Logger.LogError(e, "ManageSieve {Command} failed", command.Name);
            return ManageSieveReply.Bye("Internal server error", "TRYLATER");
        }
    }

    /// <summary>A command error: answered NO, and the session goes on until too many pile up.</summary>
    private ManageSieveReply BadCommand(string text) =>
        ++_badCommands >= _services.Options.MaxBadCommands
            ? ManageSieveReply.Bye(text + "; too many bad commands, closing")
            : ManageSieveReply.No(text);

    private void LogCommand(ManageSieveCommand command)
    {
        if (_services.Logger.IsEnabled(LogLevel.Debug))
        {
            // Protocol log without secrets: AUTHENTICATE's response never reaches the log.
            var args = command.CarriesSecret ? "***" : string.Join(' ', command.Arguments.Select(a => a.WasLiteral ? $"{{{a.Text!.Length}}}" : a.Text ?? a.Number?.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            _services.Logger.LogDebug("ManageSieve {ConnectionId} C: {Name} {Arguments}", _transport.ConnectionId, command.Name, args);
        }
    }
}

/// <summary>A command's arguments do not fit it: answered NO like any syntax error.</summary>
internal sealed class ArgumentsException(string message) : Exception(message);
