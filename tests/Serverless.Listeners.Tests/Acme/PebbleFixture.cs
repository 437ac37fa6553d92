using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Serverless.Testing.Acme;
using Serverless.Testing.Outbound;
using Xunit;

namespace Serverless.Listeners.Tests.Acme;

/// <summary>
/// pebble (started by ./test.sh) and the loopback DNS server it asks, on the port it was told: the
/// tests add an A record 127.0.0.1 for each name they order, so pebble's HTTP-01 request reaches
/// the listener under test on pebble's HTTP-01 port. One test at a time: they share that port.
/// </summary>
public sealed class PebbleFixture : IDisposable
{
    public PebbleFixture()
    {
        Pebble = PebbleServer.FromEnvironment();
        Dns = new TestDnsServer(Pebble.DnsPort);
    }

    public PebbleServer Pebble { get; }

    public TestDnsServer Dns { get; }

    /// <summary>Settings for a listener that orders <paramref name="hostName"/> from pebble and answers HTTP-01 on pebble's port.</summary>
    public Dictionary<string, string?> ListenerSettings(string hostName) => new()
    {
        ["Mail:Acme:DirectoryUrl"] = Pebble.DirectoryUrl,
        ["Mail:Acme:DirectoryCaFile"] = Pebble.CaFile,
        ["Mail:Acme:HostNames:0"] = hostName,
        ["Mail:Acme:ContactEmail"] = "postmaster@example.com",
        ["Mail:Listeners:Ports:Http"] = Pebble.HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        // Every replica reloads the stored certificate this often: the reload path of another replica.
        ["Mail:Tls:RefreshInterval"] = "00:00:01",
    };

    /// <summary>What a client sees in the TLS handshake on <paramref name="port"/>: the certificate and the others the server sent.</summary>
    public static async Task<(X509Certificate2 Certificate, X509Certificate2Collection Sent)> HandshakeAsync(int port, string hostName)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        X509Certificate2? seen = null;
        var sent = new X509Certificate2Collection();
        await using var ssl = new SslStream(client.GetStream(), false, (_, certificate, chain, _) =>
        {
            seen = X509CertificateLoader.LoadCertificate(certificate!.GetRawCertData());
            sent.AddRange(chain!.ChainPolicy.ExtraStore);
            return true;
        });
        await ssl.AuthenticateAsClientAsync(hostName);
        return (seen!, sent);
    }

    public void Dispose() => Dns.Dispose();
}

[CollectionDefinition(nameof(PebbleFixture), DisableParallelization = true)]
public sealed class PebbleCollection : ICollectionFixture<PebbleFixture>;
