using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Serverless.Protocols.Common;

namespace Serverless.Listeners.Connections;

/// <summary>
/// PROXY protocol (v1 and v2) for every listener. A connection from a trusted network
/// (<c>Mail:Listeners:TrustedProxies</c>) must start with a PROXY header, which sets the client
/// address the sessions see (<see cref="ClientAddressFeature"/>); one without a valid header is
/// closed. Anyone else who sends a PROXY header is cut off at once: an untrusted peer must never
/// choose its own address, and the header must never reach a protocol parser as a command.
/// </summary>
public sealed partial class ProxyProtocolMiddleware(IReadOnlyList<CidrRange> trusted, ILogger<ProxyProtocolMiddleware> logger)
{
    private static readonly TimeSpan HeaderTimeout = TimeSpan.FromSeconds(10);

    public static IReadOnlyList<CidrRange> ParseNetworks(IEnumerable<string> cidrs)
    {
        ArgumentNullException.ThrowIfNull(cidrs);
        var result = new List<CidrRange>();
        foreach (var text in cidrs.Where(c => !string.IsNullOrWhiteSpace(c)))
        {
            result.Add(CidrRange.TryParse(text, out var range) ? range! : throw new FormatException($"Mail:Listeners:TrustedProxies: '{text}' is not a CIDR range."));
        }
        return result;
    }

    public bool IsTrusted(IPAddress? peer) => peer is not null && trusted.Any(r => r.Contains(peer));

    /// <summary>
    /// The connection middleware. Not an async method on the common path (a peer that is not a
    /// trusted proxy): a connection holds every async frame of its middleware chain for its whole
    /// life, and 10,000 idle IMAP connections each kept this one's (~150 bytes) for nothing.
    /// </summary>
    public Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(next);
        var peer = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        if (IsTrusted(peer))
        {
            return ReadHeaderThenContinueAsync(connection, peer!, next);
        }
        var guard = new ProxyHeaderGuardReader(connection.Transport.Input, this, connection);
        connection.Transport = new GuardedPipe(guard, connection.Transport.Output);
        return next(connection);
    }

    private async Task ReadHeaderThenContinueAsync(ConnectionContext connection, IPAddress peer, ConnectionDelegate next)
    {
        ProxyHeader? header;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed))
        {
            timeout.CancelAfter(HeaderTimeout);
            try
            {
                header = await ReadHeaderAsync(connection.Transport.Input, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                header = null;
            }
        }
        if (header is null)
        {
            LogMissingHeader(peer.ToString());
            connection.Abort();
            return;
        }
        if (header.Source is not null)
        {
            connection.Features.Set(new ClientAddressFeature(header.Source));
        }
        await next(connection);
    }

    /// <summary>An untrusted peer sent a PROXY header: it is cut off.</summary>
    internal void RefuseUntrustedHeader(ConnectionContext connection)
    {
        LogUntrustedHeader((connection.RemoteEndPoint as IPEndPoint)?.Address.ToString() ?? "unknown");
        connection.Abort();
    }

    private static async Task<ProxyHeader?> ReadHeaderAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken);
            var status = ProxyProtocolParser.TryParse(result.Buffer, out var header, out var consumed);
            switch (status)
            {
                case ProxyParseStatus.Done:
                    input.AdvanceTo(result.Buffer.GetPosition(consumed));
                    return header;
                case ProxyParseStatus.Invalid:
                    input.AdvanceTo(result.Buffer.Start);
                    return null;
            }
            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return null;
            }
        }
    }

    private sealed class GuardedPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection from trusted proxy {Peer} without a valid PROXY header: closed")]
    private partial void LogMissingHeader(string peer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "PROXY header from untrusted peer {Peer}: connection closed")]
    private partial void LogUntrustedHeader(string peer);
}

/// <summary>
/// Passes a connection's input through untouched, except that if its first bytes are a PROXY
/// header the connection is refused. It looks only at the first bytes the session asks for, so
/// protocols where the server speaks first (SMTP, POP3, IMAP greetings) are not delayed.
/// </summary>
internal sealed class ProxyHeaderGuardReader(PipeReader inner, ProxyProtocolMiddleware middleware, ConnectionContext connection) : PipeReader
{
    private bool _checked;
    private bool _refused;

    private static ReadResult Refused => new(ReadOnlySequence<byte>.Empty, isCanceled: false, isCompleted: true);

    /// <summary>
    /// Once the first bytes were let through, the inner read itself is returned: an async method
    /// here would put a ~200-byte state machine under every pending read, i.e. under every idle
    /// connection for as long as it idles.
    /// </summary>
    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
        _checked && !_refused ? inner.ReadAsync(cancellationToken) : ReadFirstAsync(cancellationToken);

    private async ValueTask<ReadResult> ReadFirstAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_refused)
            {
                return Refused;
            }
            var result = await inner.ReadAsync(cancellationToken);
            if (_checked || Inspect(result))
            {
                return _refused ? Refused : result;
            }
        }
    }

    public override bool TryRead(out ReadResult result)
    {
        if (_refused)
        {
            result = Refused;
            return true;
        }
        if (!inner.TryRead(out result))
        {
            return false;
        }
        if (_checked || Inspect(result))
        {
            if (_refused)
            {
                result = Refused;
            }
            return true;
        }
        return false;
    }

    /// <summary>True once the verdict is in (pass the result on); false to wait for more bytes.</summary>
    private bool Inspect(ReadResult result)
    {
        Span<byte> start = stackalloc byte[12];
        var n = (int)Math.Min(result.Buffer.Length, start.Length);
        result.Buffer.Slice(0, n).CopyTo(start);
        var verdict = ProxyProtocolParser.StartsWithHeader(start[..n]);
        if (verdict == true)
        {
            _refused = true;
            inner.AdvanceTo(result.Buffer.End);
            middleware.RefuseUntrustedHeader(connection);
            return true;
        }
        if (verdict == false || result.IsCompleted || result.IsCanceled)
        {
            _checked = true;
            return true;
        }
        inner.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        return false;
    }

    public override void AdvanceTo(SequencePosition consumed)
    {
        if (!_refused)
        {
            inner.AdvanceTo(consumed);
        }
    }

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (!_refused)
        {
            inner.AdvanceTo(consumed, examined);
        }
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);
}
