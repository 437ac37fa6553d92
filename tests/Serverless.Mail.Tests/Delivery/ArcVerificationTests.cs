using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;
using Serverless.Mail.Delivery.Authentication;
using Xunit;

namespace Serverless.Mail.Tests.Delivery;

/// <summary>Inbound ARC chains are verified and recorded as <c>arc=pass|fail|none</c> in our Authentication-Results.</summary>
public sealed class ArcVerificationTests : IAsyncLifetime
{
    private IngestFixture _f = null!;
    private AsymmetricKeyParameter _key = null!;

    public async Task InitializeAsync()
    {
        _f = await IngestFixture.StartAsync();
        using var rsa = RSA.Create(2048);
        _key = DotNetUtilities.GetRsaKeyPair(rsa.ExportParameters(true)).Private;
        _f.Dns.AddTxt("arc1._domainkey.forwarder.example", "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()));
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private sealed class ForwarderSigner(AsymmetricKeyParameter key) : ArcSigner(key, "forwarder.example", "arc1", DkimSignatureAlgorithm.RsaSha256)
    {
        private static AuthenticationResults Results()
        {
            var results = new AuthenticationResults("mx.forwarder.example");
            results.Results.Add(new AuthenticationMethodResult("spf", "pass"));
            results.Results.Add(new AuthenticationMethodResult("arc", "none"));
            return results;
        }

        protected override AuthenticationResults GenerateArcAuthenticationResults(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) => Results();

        protected override Task<AuthenticationResults> GenerateArcAuthenticationResultsAsync(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) =>
            Task.FromResult(Results());
    }

    private MimeMessage Sealed()
    {
        var message = MimeMessage.Load(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(IngestFixture.Message("via a list", body: "Forwarded to you.\r\n"))));
        new ForwarderSigner(_key).Sign(message, [HeaderId.From, HeaderId.Subject, HeaderId.MessageId]);
        return message;
    }

    private async Task<string> ArcOfAsync(MimeMessage message)
    {
        var verdict = await _f.Services.GetRequiredService<MessageAuthenticator>().CheckAsync(message, "sender@remote.example", "mx.forwarder.example", SpfResult.Pass);
        Assert.Contains(";\r\n\tarc=" + verdict.Arc + "\r\n", verdict.Header, StringComparison.Ordinal);
        return verdict.Arc;
    }

    [Fact]
    public async Task A_valid_chain_is_arc_pass() => Assert.Equal("pass", await ArcOfAsync(Sealed()));

    [Fact]
    public async Task A_chain_over_a_changed_body_is_arc_fail()
    {
        var message = Sealed();
        ((TextPart)message.Body!).Text = "Changed on the way.\r\n";
        Assert.Equal("fail", await ArcOfAsync(message));
    }

    [Fact]
    public async Task A_chain_whose_key_is_not_published_is_arc_fail()
    {
        var message = Sealed();
        var seal = message.Headers[HeaderId.ArcSeal]!;
        message.Headers[HeaderId.ArcSeal] = seal.Replace("s=arc1", "s=gone", StringComparison.Ordinal);
        Assert.Equal("fail", await ArcOfAsync(message));
    }

    [Fact]
    public async Task A_message_without_ARC_headers_is_arc_none()
    {
        var message = MimeMessage.Load(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(IngestFixture.Message("direct"))));
        Assert.Equal("none", await ArcOfAsync(message));
    }
}
