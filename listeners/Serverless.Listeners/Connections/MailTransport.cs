using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Serverless.Listeners.Connections;

/// <summary>
/// One client connection as the protocol sessions see it: a pipe pair that can be upgraded to
/// TLS in mid-session (STARTTLS / STLS), the real client address (after a trusted PROXY header),
/// and the endpoint it arrived on.
/// </summary>
public sealed partial class MailTransport : IAsyncDisposable
{
    /// <summary>The most plaintext one TLS record carries (RFC 8446 5.1, RFC 5246 6.2.1).</summary>
    private const int TlsRecordPayload = 16 * 1024;

    private readonly ConnectionContext _connection;
    private readonly TlsCertificateProvider _certificates;
    private readonly PreLoginSlot? _preLogin;
    private SslStream? _ssl;

    public MailTransport(ConnectionContext connection, TlsCertificateProvider certificates)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        _certificates = certificates;
        Endpoint = connection.Features.Get<MailEndpoint>() ?? throw new InvalidOperationException("Connection has no mail endpoint.");
        Input = connection.Transport.Input;
        Output = connection.Transport.Output;
        _preLogin = connection.Features.Get<PreLoginSlot>();
        var proxied = connection.Features.Get<ClientAddressFeature>();
        ClientAddressFromProxyHeader = proxied is not null;
        RemoteEndPoint = proxied?.ClientEndPoint ?? connection.RemoteEndPoint as IPEndPoint;
        var tls = connection.Features.Get<ITlsHandshakeFeature>();
        if (tls is not null)
        {
            IsTls = true;
            TlsProtocol = tls.Protocol;
            TlsCipher = tls.NegotiatedCipherSuite?.ToString();
        }
    }

    public MailEndpoint Endpoint { get; }

    public PipeReader Input { get; private set; }

    public PipeWriter Output { get; private set; }

    /// <summary>The client's address: from a trusted PROXY protocol header when present, else the socket peer.</summary>
    public IPEndPoint? RemoteEndPoint { get; }

    public IPAddress? ClientAddress => RemoteEndPoint?.Address;

    /// <summary>True when <see cref="ClientAddress"/> came from a trusted PROXY protocol header.</summary>
    public bool ClientAddressFromProxyHeader { get; }

    public bool IsLoopback => ClientAddress is not null && IPAddress.IsLoopback(ClientAddress);

    public bool IsTls { get; private set; }

    public SslProtocols? TlsProtocol { get; private set; }

    public string? TlsCipher { get; private set; }

    public string ConnectionId => _connection.ConnectionId;

    public CancellationToken ConnectionClosed => _connection.ConnectionClosed;

    /// <summary>
    /// Answers a STARTTLS / STLS command and performs the server side of the TLS handshake.
    /// Anything the client pipelined after the command is discarded before the "ready to start
    /// TLS" reply goes out (<paramref name="sendReadyReply"/> writes and flushes it), so plaintext
    /// cannot be injected into the encrypted session (CVE-2011-0411). The discard must come first:
    /// once the reply is out, the client's ClientHello may arrive at any moment, and throwing it
    /// away would leave both ends waiting for each other. Bytes that arrive after the discard go
    /// to the TLS layer, which refuses anything that is not a TLS record.
    /// </summary>
    public async Task UpgradeToTlsAsync(Func<CancellationToken, ValueTask> sendReadyReply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sendReadyReply);
        if (IsTls)
        {
            throw new InvalidOperationException("TLS is already active.");
        }
        if (Input.TryRead(out var pending))
        {
            Input.AdvanceTo(pending.Buffer.End);
        }
        await sendReadyReply(cancellationToken).ConfigureAwait(false);
        var stream = new DuplexPipeStream(Input, Output);
        _ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        await _ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
        {
            ServerCertificateContext = _certificates.CurrentContext,
            ClientCertificateRequired = false,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        }, cancellationToken).ConfigureAwait(false);
        await TlsIdleMemory.ReleaseAfterHandshakeAsync(_ssl).ConfigureAwait(false);
        // Zero-byte reads: an idle session (IMAP IDLE all day) holds no read buffer, here or inside
        // SslStream, until data arrives (71 KiB per idle STARTTLS connection without them).
        Input = PipeReader.Create(_ssl, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true, useZeroByteReads: true));
        // 16 KiB segments, TLS's largest record: a flush hands SslStream one segment at a time, and
        // each becomes a record and a write (with a flush) into the connection's pipe. With the
        // default 4 KiB a 30 KiB POP3 RETR went out as 8 records and 8 pipe flushes; now 2.
        // Segments are taken only while writing and returned at the flush: an idle session holds none.
        Output = PipeWriter.Create(_ssl, new StreamPipeWriterOptions(minimumBufferSize: TlsRecordPayload, leaveOpen: true));
        IsTls = true;
        TlsProtocol = _ssl.SslProtocol;
        TlsCipher = _ssl.NegotiatedCipherSuite.ToString();
    }

    /// <summary>The client logged in: it no longer counts against <c>MaxUnauthenticatedConnections</c>.</summary>
    public void LeavePreLogin() => _preLogin?.Dispose();

    public async ValueTask DisposeAsync()
    {
        _preLogin?.Dispose(); // a connection that never logged in leaves the count here (PreLoginConnections)
        await DisposeCompressionAsync().ConfigureAwait(false);
        if (_ssl is not null)
        {
            await Input.CompleteAsync().ConfigureAwait(false);
            await Output.CompleteAsync().ConfigureAwait(false);
            await _ssl.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>Carries the client address learned from a PROXY protocol header.</summary>
public sealed class ClientAddressFeature(IPEndPoint clientEndPoint)
{
    public IPEndPoint ClientEndPoint { get; } = clientEndPoint;
}
