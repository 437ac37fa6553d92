using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Listeners.Connections;
using Serverless.Listeners.Hosting;
using Serverless.Mail.Security;
using Xunit;

namespace Serverless.Listeners.Tests.Smtp;

/// <summary>The listeners' certificate changes without a restart, and a broken one never replaces a working one.</summary>
public sealed class TlsCertificateTests
{
    private static X509Certificate2 NewCertificate(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }

    private static async Task<string> ServedSubjectAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        X509Certificate? seen = null;
        await using var ssl = new SslStream(client.GetStream(), false, (_, c, _, _) =>
        {
            seen = c;
            return true;
        });
        await ssl.AuthenticateAsClientAsync("mail.test");
        return seen!.Subject;
    }

    [Fact]
    public async Task A_replaced_pfx_file_is_served_on_the_next_handshake()
    {
        var path = Path.Combine(Path.GetTempPath(), $"tls-{Guid.NewGuid():N}.pfx");
        using (var first = NewCertificate("first.test"))
        {
            await File.WriteAllBytesAsync(path, first.Export(X509ContentType.Pfx));
        }
        try
        {
            await using var kit = await SmtpTestKit.StartAsync(new Dictionary<string, string?> { ["Mail:Tls:CertificatePath"] = path });
            Assert.Equal("CN=first.test", await ServedSubjectAsync(kit.Host.Ports.Submissions));
            using (var second = NewCertificate("second.test"))
            {
                var temporary = path + ".new";
                await File.WriteAllBytesAsync(temporary, second.Export(X509ContentType.Pfx));
                File.Move(temporary, path, overwrite: true);
                File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));
            }
            Assert.Equal("CN=second.test", await ServedSubjectAsync(kit.Host.Ports.Submissions));
            // A half-written file keeps the last good certificate in service.
            await File.WriteAllBytesAsync(path, [1, 2, 3]);
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(10));
            Assert.Equal("CN=second.test", await ServedSubjectAsync(kit.Host.Ports.Submissions));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_certificate_source_is_refreshed_and_a_failed_fetch_keeps_the_current_one()
    {
        var source = new SwitchingSource();
        var provider = new TlsCertificateProvider(new TlsOptions { DevelopmentCertificatePath = Path.Combine(Path.GetTempPath(), "serverless-mail-test-cert.pfx") },
            new ListenerOptions { HostName = "mail.test" }, NullLogger<TlsCertificateProvider>.Instance, source);
        Assert.True(provider.HasSource);
        source.Next = NewCertificate("vault-1.test");
        await provider.RefreshAsync(CancellationToken.None);
        Assert.Equal("CN=vault-1.test", provider.Current.Subject);
        source.Next = null; // Key Vault unreachable
        await Assert.ThrowsAsync<InvalidOperationException>(() => provider.RefreshAsync(CancellationToken.None));
        Assert.Equal("CN=vault-1.test", provider.Current.Subject);
        source.Next = NewCertificate("vault-2.test");
        await provider.RefreshAsync(CancellationToken.None);
        Assert.Equal("CN=vault-2.test", provider.Current.Subject);
    }

    [Fact]
    public void Key_vault_certificate_secrets_parse_as_pfx_or_pem()
    {
        using var certificate = NewCertificate("kv.test");
        using var fromPfx = KeyVaultCertificateSource.Parse(Convert.ToBase64String(certificate.Export(X509ContentType.Pfx)), "application/x-pkcs12");
        Assert.True(fromPfx.HasPrivateKey);
        var pem = certificate.ExportCertificatePem() + "\n" + certificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem();
        using var fromPem = KeyVaultCertificateSource.Parse(pem, "application/x-pem-file");
        Assert.True(fromPem.HasPrivateKey);
        Assert.Equal(certificate.Thumbprint, fromPem.Thumbprint);
    }

    private sealed class SwitchingSource : ITlsCertificateSource
    {
        public X509Certificate2? Next { get; set; }

        public string Description => "test source";

        public Task<X509Certificate2> LoadAsync(CancellationToken cancellationToken) =>
            Next is { } c ? Task.FromResult(X509CertificateLoader.LoadPkcs12(c.Export(X509ContentType.Pfx), null)) : throw new InvalidOperationException("unreachable");
    }
}
