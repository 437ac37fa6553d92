using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Serverless.Testing.Acme;

/// <summary>
/// pebble, Let's Encrypt's ACME test server, as ./test.sh started it (scripts/pebble.sh): its
/// directory, the CA of its own HTTPS certificate, the port it validates HTTP-01 on and the port of
/// the DNS server it asks (the test runs a <see cref="Outbound.TestDnsServer"/> there). Its issuing
/// root and intermediate come from its management interface; they are new at every start.
/// </summary>
public sealed class PebbleServer
{
    private PebbleServer(string directoryUrl, Uri management, string caFile, int httpPort, int dnsPort)
    {
        DirectoryUrl = directoryUrl;
        Management = management;
        CaFile = caFile;
        HttpPort = httpPort;
        DnsPort = dnsPort;
    }

    public string DirectoryUrl { get; }

    public Uri Management { get; }

    /// <summary>PEM of pebble's HTTPS certificate (self-signed): <c>Mail:Acme:DirectoryCaFile</c>.</summary>
    public string CaFile { get; }

    public int HttpPort { get; }

    public int DnsPort { get; }

    /// <summary>The pebble test.sh started; a clear failure naming the package when there is none (never a skip).</summary>
    public static PebbleServer FromEnvironment()
    {
        string Need(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value
            : throw new InvalidOperationException(
                $"{name} is not set: the ACME tests run against pebble, Let's Encrypt's ACME test server, which ./test.sh installs (Debian package 'pebble': apt-get install -y pebble) and starts. Run them through ./test.sh.");
        return new PebbleServer(Need("MAIL_TEST_PEBBLE"), new Uri(Need("MAIL_TEST_PEBBLE_MANAGEMENT")), Need("MAIL_TEST_PEBBLE_CA"),
            int.Parse(Need("MAIL_TEST_PEBBLE_HTTP_PORT"), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(Need("MAIL_TEST_PEBBLE_DNS_PORT"), System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The root pebble issues under (GET /roots/0).</summary>
    public Task<X509Certificate2> RootAsync() => FetchAsync("roots/0");

    /// <summary>The intermediate that signs its leaf certificates (GET /intermediates/0).</summary>
    public Task<X509Certificate2> IntermediateAsync() => FetchAsync("intermediates/0");

    private async Task<X509Certificate2> FetchAsync(string path)
    {
        var trusted = X509CertificateLoader.LoadCertificateFromFile(CaFile);
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            certificate is not null && (errors == SslPolicyErrors.None || certificate.GetCertHashString() == trusted.GetCertHashString());
        using var http = new HttpClient(handler);
        var pem = await http.GetStringAsync(new Uri(Management, path));
        return X509Certificate2.CreateFromPem(pem);
    }
}
