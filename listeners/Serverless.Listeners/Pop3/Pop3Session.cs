using Serverless.Listeners.Connections;
using Serverless.Mail.Index;
using Serverless.Mail.Storage;
using Serverless.Protocols.Pop3;

namespace Serverless.Listeners.Pop3;

/// <summary>
/// One POP3 connection: its state (RFC 1939 AUTHORIZATION → TRANSACTION → UPDATE) and the data
/// that goes with it. The command loop and I/O are in the other parts of this class; the commands
/// themselves, one per file under Commands/, read and change this state and return replies.
/// </summary>
public sealed partial class Pop3Session
{
    private readonly MailTransport _transport;
    private readonly Pop3Services _services;
    private CancellationTokenSource? _renewals;
    private Task? _renewalLoop;

    internal Pop3Session(MailTransport transport, Pop3Services services)
    {
        _transport = transport;
        _services = services;
        var options = services.Options;
        _readAhead = new Pop3ReadAhead(options.ReadAhead, options.SerialReadAhead, options.SerialReadAheadBytes, services.ReadAheadBudget, transport.ConnectionClosed);
    }

    public Pop3SessionState State { get; private set; } = Pop3SessionState.Authorization;

    internal Pop3Services Services => _services;

    internal MailTransport Transport => _transport;

    /// <summary>The name given by USER, waiting for PASS.</summary>
    internal string? PendingUser { get; set; }

    internal int AuthFailures { get; set; }

    /// <summary>Set in TRANSACTION.</summary>
    internal Pop3Maildrop? Maildrop { get; private set; }

    internal MaildropLease? Lease { get; private set; }

    /// <summary>
    /// Whether USER/PASS and AUTH PLAIN may be used now: over TLS, or in development from a
    /// loopback client when <c>Mail:Listeners:AllowPlaintextAuthOnLoopback</c> is set.
    /// </summary>
    internal bool PlaintextAuthAllowed => _transport.PasswordsAllowed(_services.Listener);

    internal bool StlsAvailable => !_transport.IsTls && _transport.Endpoint.Tls == TlsMode.StartTls;

    internal string ClientIp => _transport.ClientAddress?.ToString() ?? "unknown";

    /// <summary>A login succeeded and the maildrop is leased and listed: enter TRANSACTION.</summary>
    internal void EnterTransaction(Pop3Maildrop maildrop, MaildropLease lease)
    {
        Maildrop = maildrop;
        Lease = lease;
        PendingUser = null;
        State = Pop3SessionState.Transaction;
        _transport.LeavePreLogin();
        _renewals = CancellationTokenSource.CreateLinkedTokenSource(_transport.ConnectionClosed);
        _renewalLoop = lease.RunRenewalsAsync(_renewals.Token);
    }

    /// <summary>QUIT in TRANSACTION.</summary>
    internal void EnterUpdate() => State = Pop3SessionState.Update;

    /// <summary>Stops renewing and gives the maildrop free; called at QUIT and when the connection ends.</summary>
    internal async Task ReleaseLeaseAsync()
    {
        if (Lease is not { } lease)
        {
            return;
        }
        Lease = null;
        if (_renewals is not null)
        {
            await _renewals.CancelAsync();
            await _renewalLoop!;
            _renewals.Dispose();
            _renewals = null;
        }
        try
        {
            await lease.ReleaseAsync(CancellationToken.None);
        }
        catch (Exception e) when (StorageFailures.IsTransient(e))
        {
            // It expires by itself; a later session waits at most the lease duration.
            _services.Logger.LogWarning(e, "Could not release the POP3 lease of mailbox {MailboxId}", lease.MailboxId);
        }
        await lease.DisposeAsync();
    }
}
