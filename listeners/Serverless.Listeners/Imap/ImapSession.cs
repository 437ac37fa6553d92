using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Serverless.Listeners.Connections;
using Serverless.Mail.Storage;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap;

/// <summary>
/// One IMAP connection: reads commands through the pure <see cref="ImapCommandFramer"/> and
/// <see cref="ImapCommandParser"/>, checks them against <see cref="ImapCommandTable"/> for the
/// current state, runs them and writes the tagged result after any change notifications. Two
/// kinds of error: a protocol violation (unframeable input, oversized non-synchronising literal,
/// too many bad commands) ends the connection with BYE; a command error is answered and the
/// session goes on.
/// </summary>
internal sealed partial class ImapSession
{
    private readonly ILogger _logger;
    private readonly ImapCommandFramer _framer;
    private readonly ImapLimits _limits;
    private bool _closeAfterCommand;
    private int _badCommands;

    public ImapSession(ImapServices services, MailTransport transport, ILogger logger)
    {
        Services = services;
        Transport = transport;
        _logger = logger;
        _limits = new ImapLimits { MaxAppendSize = services.Options.MaxAppendSize };
        _framer = new ImapCommandFramer(ImapLimits.BeforeLogin with { MaxAppendSize = services.Options.MaxAppendSize });
    }

    public ImapServices Services { get; }

    public MailTransport Transport { get; }

    public ImapSessionState State { get; set; } = new ImapSessionState.NotAuthenticated(0);

    /// <summary>CONDSTORE is enabled (RFC 7162 3.1): MODSEQ goes into flag updates.</summary>
    public bool CondStore { get; set; }

    /// <summary>
    /// A CONDSTORE-enabling command (FETCH MODSEQ, SEARCH MODSEQ, STORE UNCHANGEDSINCE) turns
    /// CONDSTORE on; the first one with a folder selected tells the folder's HIGHESTMODSEQ
    /// (RFC 7162 3.1), since SELECT did not.
    /// </summary>
    public void EnableCondStore()
    {
        if (!CondStore && Selected is { } selected)
        {
            WriteLine(FormattableString.Invariant($"* OK [HIGHESTMODSEQ {selected.View.HighestModSeq}] Highest mailbox mod-sequence"));
        }
        CondStore = true;
    }

    /// <summary>
    /// IMAP4rev2 is enabled (RFC 9051 Appendix A): UTF-8 mailbox names, ESEARCH for SEARCH, no
    /// \Recent, RECENT or UNSEEN, and a LIST response at SELECT (README, "IMAP4rev2").
    /// </summary>
    public bool Rev2 { get; set; }

    /// <summary>QRESYNC is enabled (RFC 7162 3.2): VANISHED replaces EXPUNGE.</summary>
    public bool QResync { get; set; }

    public PipeWriter Output => Transport.Output;

    public bool CanStartTls => !Transport.IsTls && Transport.Endpoint.Tls == TlsMode.StartTls;

    /// <summary>LOGIN / AUTHENTICATE only over TLS, or from loopback with the development setting.</summary>
    public bool LoginAllowed => Transport.PasswordsAllowed(Services.Listener);

    public string? ClientIp => Transport.ClientAddress?.ToString();

    public SelectedFolder? Selected => (State as ImapSessionState.Selected)?.Folder;

    /// <summary>Serves the connection until it ends, then disposes the transport (the session owns it: see <see cref="ImapConnectionHandler"/>).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            WriteLine($"* OK [CAPABILITY {ImapCapabilities.For(this)}] {Services.Listener.HostName} Serverless Mail IMAP ready");
            await FlushAsync(cancellationToken);
            while (State is not ImapSessionState.Logout)
            {
                var frame = await ReadCommandAsync(cancellationToken);
                if (frame is null)
                {
                    break;
                }
                await ExecuteAsync(frame, cancellationToken);
                await FlushAsync(cancellationToken);
                if (_closeAfterCommand)
                {
                    break;
                }
            }
        }
        catch (SessionTimeoutException)
        {
            await SendFinalAsync("* BYE Autologout; idle for too long");
        }
        catch (ImapFatalException e)
        {
            _logger.LogWarning("IMAP connection {Connection} closed: {Message}", Transport.ConnectionId, e.Message);
        }
        catch (Exception e) when (e is OperationCanceledException or ConnectionResetException or IOException or InvalidOperationException && cancellationToken.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception e) when (e is ConnectionResetException or IOException)
        {
            _logger.LogDebug("IMAP connection {Connection} ended: {Message}", Transport.ConnectionId, e.Message);
        }
        finally
        {
            try
            {
                SetNotify(null);
                Deselect();
                await DiscardUploadsAsync();
                _readTimer?.Dispose();
            }
            finally
            {
                await Transport.DisposeAsync();
            }
        }
    }

    private async Task ExecuteAsync(ImapFrame frame, CancellationToken cancellationToken)
    {
        ImapCommand command;
        try
        {
            command = ImapCommandParser.Parse(frame, Rev2);
        }
        catch (ImapMailboxNameException e) when (frame.Tag is not null)
        {
            // A well-formed command naming a mailbox that cannot exist: NO, like any unknown name.
            await DiscardUploadsAsync();
            WriteTagged(frame.Tag, ImapResult.No(e.Message, "CANNOT"));
            return;
        }
        catch (ImapParseException e)
        {
            await DiscardUploadsAsync();
            WriteTagged(frame.Tag ?? "*", ImapResult.Bad(e.Message));
            CountBadCommand();
            return;
        }
        if (!ImapCommandTable.TryGet(command.Key, out var entry) || (entry.States & State.Kind) == 0)
        {
            await DiscardUploadsAsync();
            WriteTagged(command.Tag, ImapResult.Bad(entry is null ? "Unknown command" : $"{command.Key} is not allowed {StateText()}"));
            CountBadCommand();
            return;
        }
        _badCommands = 0;
        _logger.LogTrace("IMAP {Connection} {Command}", Transport.ConnectionId, command.Key);
        Services.Meter?.BeginActivity("IMAP " + command.Key);
        ImapResult result;
        try
        {
            if (entry.SyncBefore)
            {
                await ReportChangesAsync(force: false, allowExpunge: true, cancellationToken);
            }
            result = await entry.Handler.ExecuteAsync(this, command, cancellationToken);
        }
        catch (ImapCommandException e)
        {
            result = e.Result;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not (SessionTimeoutException or ImapFatalException) && StorageFailures.IsTransient(e))
        {
            _logger.LogWarning("IMAP {Command} failed, storage unavailable: {Message}", command.Key, e.Message);
            result = ImapResult.No("Storage is temporarily unavailable, please try again", "UNAVAILABLE");
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not (SessionTimeoutException or ImapFatalException or ConnectionResetException or IOException))
        {
            _logger.LogError(e, "IMAP {Command} failed", command.Key);
            result = ImapResult.No("Internal error", "SERVERBUG");
        }
        finally
        {
            await DiscardUploadsAsync();
        }
        if (entry.SyncAfter != ChangeCheck.None && result.Status != ImapStatus.Bad)
        {
            try
            {
                await ReportChangesAsync(entry.SyncAfter == ChangeCheck.Force, entry.ExpungeAllowed, cancellationToken);
                await DeliverNotificationsAsync(entry.ExpungeAllowed, cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && StorageFailures.IsTransient(e))
            {
                _logger.LogDebug("Change check after {Command} failed: {Message}", command.Key, e.Message);
            }
        }
        if (result.Status != ImapStatus.Bad)
        {
            try
            {
                await ReportContextChangesAsync(cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && StorageFailures.IsTransient(e))
            {
                _logger.LogDebug("Search updates after {Command} failed: {Message}", command.Key, e.Message);
            }
        }
        WriteTagged(command.Tag, result);
    }

    /// <summary>
    /// Tells the client about changes to the selected folder made elsewhere (RFC 3501 7: untagged
    /// EXPUNGE / EXISTS / RECENT / FETCH FLAGS). <paramref name="force"/> reads the folder row now;
    /// otherwise a recent check of the shared watcher is reused.
    /// </summary>
    public async Task ReportChangesAsync(bool force, bool allowExpunge, CancellationToken cancellationToken)
    {
        if (State is not ImapSessionState.Selected selected)
        {
            return;
        }
        var folder = selected.Folder;
        var view = await folder.Watcher.GetCurrentAsync(force, Services.Options.CommandCheckInterval, cancellationToken: cancellationToken);
        if (view is null)
        {
            WriteLine("* BYE The selected mailbox was deleted");
            _closeAfterCommand = true;
            return;
        }
        if (!allowExpunge || ReferenceEquals(view, folder.View))
        {
            return;
        }
        if (folder.HasNewMessages(view))
        {
            // Mail that arrives while the folder is selected is \Recent in this session (EXAMINE shows
            // it without claiming). The claim is kept in this process, not written to storage: a write
            // rewrites the folder row, which would make every other writer's cached copy stale (a failed
            // transaction and a re-read for the next delivery). A later SELECT's storage claim skips it.
            var (from, to) = (folder.View.LastUid + 1, view.LastUid + 1);
            if (!folder.ReadOnly && State.User is { } user)
            {
                (from, to) = Services.Watchers.Recent.Claim(user.MailboxId, folder.FolderId, from, to);
            }
            folder.AddRecent(from, to);
        }
        ReportContextExpunges(folder, view);
        folder.MoveTo(view, allowExpunge, CondStore, QResync, Output);
        await ReportContextChangesAsync(cancellationToken);
    }

    /// <summary>Leaves the selected state (CLOSE, UNSELECT, a new SELECT, LOGOUT).</summary>
    public void Deselect()
    {
        if (State is ImapSessionState.Selected selected)
        {
            Services.Watchers.Release(selected.Folder.Watcher);
            SearchUpdates.Clear();
            State = new ImapSessionState.Authenticated(selected.Account);
        }
    }

    /// <summary>The next command must not run: say BYE after this one.</summary>
    public void CloseAfterCommand() => _closeAfterCommand = true;

    private void CountBadCommand()
    {
        if (++_badCommands >= Services.Options.MaxBadCommands)
        {
            WriteLine("* BYE Too many invalid commands");
            _closeAfterCommand = true;
        }
    }

    private string StateText() => State.Kind switch
    {
        ImapStates.NotAuthenticated => "before login",
        ImapStates.Authenticated => "without a selected mailbox",
        ImapStates.Selected => "with a mailbox selected",
        _ => "now",
    };
}

/// <summary>The client was silent for longer than the autologout timer allows.</summary>
internal sealed class SessionTimeoutException : Exception
{
    public SessionTimeoutException()
        : base("Session timed out.")
    {
    }

    public SessionTimeoutException(string message)
        : base(message)
    {
    }

    public SessionTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
