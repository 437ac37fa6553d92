using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Listeners.Connections;
using Serverless.Listeners.Hosting;
using Xunit;

namespace Serverless.Listeners.Tests.Connections;

/// <summary>
/// Which address failed logins are counted by: the client's own (a direct peer, or the source of a
/// trusted PROXY header), never a proxy that every client shares (Mail:Listeners:ClientAddressesHidden).
/// </summary>
public sealed class LoginThrottleAddressTests
{
    private static readonly IPEndPoint Peer = new(IPAddress.Parse("10.0.0.9"), 40000);
    private static readonly IPEndPoint Client = new(IPAddress.Parse("203.0.113.7"), 50000);

    [Fact]
    public void A_direct_peer_is_the_client_unless_addresses_are_hidden()
    {
        Assert.Equal("10.0.0.9", Transport(proxied: null).LoginThrottleAddress(new ListenerOptions()));
        Assert.Null(Transport(proxied: null).LoginThrottleAddress(new ListenerOptions { ClientAddressesHidden = true }));
    }

    [Fact]
    public void An_address_from_a_trusted_proxy_header_is_real_even_where_peers_are_hidden()
    {
        Assert.Equal("203.0.113.7", Transport(Client).LoginThrottleAddress(new ListenerOptions { ClientAddressesHidden = true }));
        Assert.Equal("203.0.113.7", Transport(Client).LoginThrottleAddress(new ListenerOptions()));
    }

    private static MailTransport Transport(IPEndPoint? proxied)
    {
        var pipe = new Pipe();
        var connection = new DefaultConnectionContext("c1", new Duplex(pipe.Reader, pipe.Writer), new Duplex(pipe.Reader, pipe.Writer)) { RemoteEndPoint = Peer };
        connection.Features.Set(new MailEndpoint(MailProtocol.Imap, "imap", 143, TlsMode.StartTls));
        if (proxied is not null)
        {
            connection.Features.Set(new ClientAddressFeature(proxied));
        }
        var certificates = new TlsCertificateProvider(
            new TlsOptions { DevelopmentCertificatePath = Path.Combine(Path.GetTempPath(), $"throttle-{Guid.NewGuid():N}.pfx") },
            new ListenerOptions(),
            NullLogger<TlsCertificateProvider>.Instance);
        return new MailTransport(connection, certificates);
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
