using System.Security.Cryptography;
using DnsClient;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Security;
using Serverless.Mail.Outbound;
using Serverless.Mail.Queues;
using Serverless.Testing.Outbound;
using Xunit;

namespace Serverless.Mail.Tests.Outbound;

public sealed class DkimSigningTests
{
    private sealed class FixedKeys(string pem) : IDkimSigningKeys
    {
        public Task<DkimSigner?> GetSignerAsync(string domain, string selector, CancellationToken cancellationToken)
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            var key = DotNetUtilities.GetRsaKeyPair(rsa.ExportParameters(true)).Private;
            return Task.FromResult<DkimSigner?>(new DkimSigner(key, domain, selector, DkimSignatureAlgorithm.RsaSha256)
            {
                HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
                BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            });
        }
    }

    [Fact]
    public async Task Relayed_mail_carries_a_dkim_signature_that_verifies_against_the_published_key()
    {
        using var rsa = RSA.Create(2048);
        var pem = rsa.ExportPkcs8PrivateKeyPem();
        await using var f = await RelayFixture.StartAsync(configure: s => s.AddSingleton<IDkimSigningKeys>(new FixedKeys(pem)));
        f.Dns.AddTxt("sel1._domainkey.sender.test", "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()));
        f.Dns.AddMx("remote.test", 10, "mx.remote.test");
        f.Dns.AddA("mx.remote.test", "127.0.0.40");
        await using var server = f.Smtp("127.0.0.40");
        // A multipart message with 8-bit text and a long line exercises canonicalisation.
        var raw = "From: Alice <alice@sender.test>\r\nTo: bob@remote.test\r\nSubject: Signed\r\nDate: Fri, 27 Nov 2026 10:00:00 +0000\r\n" +
            "Message-ID: <signed@sender.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n" +
            "--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße   aus  Köln \r\n\r\n\r\n" +
            "--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Convert.ToBase64String(new byte[3000], Base64FormattingOptions.InsertLineBreaks).Replace("\n", "\r\n", StringComparison.Ordinal) + "\r\n--b1--\r\n";
        await f.SubmitAsync(raw, RelayFixture.Sender, ["bob@remote.test"]);

        await f.DrainAsync();

        var received = MimeMessage.Load(new MemoryStream(Assert.Single(server.Messages).Data));
        var signature = received.Headers[received.Headers.IndexOf(HeaderId.DkimSignature)];
        Assert.Contains("d=sender.test", signature.Value, StringComparison.Ordinal);
        Assert.Contains("s=sel1", signature.Value, StringComparison.Ordinal);
        Assert.Contains("c=relaxed/relaxed", signature.Value, StringComparison.Ordinal);
        Assert.Contains("a=rsa-sha256", signature.Value, StringComparison.Ordinal);
        var verifier = new DkimVerifier(new DnsDkimPublicKeyLocator(new LookupClient(f.Dns.EndPoint)));
        Assert.True(await verifier.VerifyAsync(received, signature));

        // Tampering breaks it: the signature really covers the body.
        var tampered = MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(
            System.Text.Encoding.UTF8.GetString(server.Messages[0].Data).Replace("Köln", "Bonn", StringComparison.Ordinal))));
        Assert.False(await verifier.VerifyAsync(tampered, tampered.Headers[tampered.Headers.IndexOf(HeaderId.DkimSignature)]));
    }

    [Fact]
    public async Task Mail_whose_author_domain_is_not_the_tenants_goes_unsigned()
    {
        using var rsa = RSA.Create(2048);
        await using var f = await RelayFixture.StartAsync(configure: s => s.AddSingleton<IDkimSigningKeys>(new FixedKeys(rsa.ExportPkcs8PrivateKeyPem())));
        f.Dns.AddMx("remote.test", 10, "mx.remote.test");
        f.Dns.AddA("mx.remote.test", "127.0.0.41");
        await using var server = f.Smtp("127.0.0.41");
        await f.SubmitAsync(DeliveryFixture.Message("someone@elsewhere.test", "bob@remote.test"), RelayFixture.Sender, ["bob@remote.test"]);

        await f.DrainAsync();

        Assert.DoesNotContain("DKIM-Signature:", Assert.Single(server.Messages).Text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_checked_submission_is_signed_and_a_forwarded_copy_is_not()
    {
        using var rsa = RSA.Create(2048);
        await using var f = await RelayFixture.StartAsync(configure: s => s.AddSingleton<IDkimSigningKeys>(new FixedKeys(rsa.ExportPkcs8PrivateKeyPem())));
        f.Dns.AddMx("remote.test", 10, "mx.remote.test");
        f.Dns.AddA("mx.remote.test", "127.0.0.42");
        await using var server = f.Smtp("127.0.0.42");
        // Same author domain (the tenant's, with a key) both times: only the mark decides.
        await f.SubmitAsync(DeliveryFixture.Message(RelayFixture.Sender, "bob@remote.test"), RelayFixture.Sender, ["bob@remote.test"],
            m => m with { Sign = true, Id = "submitted" });
        await f.SubmitAsync(DeliveryFixture.Message(RelayFixture.Sender, "carol@remote.test"), "someone@elsewhere.test", ["carol@remote.test"],
            m => OutboundRelayMessage.Create(m.Id + ".fwd", m.BlobName, m.Size, new EnvelopeSender("someone@elsewhere.test", null, null, null, false),
                m.Recipients, m.SubmittedAt, RelayFixture.Tenant, holder: null));

        await f.DrainAsync();

        Assert.Equal(2, server.Messages.Count);
        Assert.Contains("DKIM-Signature:", server.Messages.Single(m => m.Text.Contains("bob@remote.test", StringComparison.Ordinal)).Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("DKIM-Signature:", server.Messages.Single(m => m.Text.Contains("carol@remote.test", StringComparison.Ordinal)).Text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Queue_messages_from_before_the_mark_keep_their_old_signing()
    {
        var submitted = MailQueues.ParseOutbound("""{"v":1,"id":"a","blob":"b","from":"alice@sender.test","rcpt":[],"tenant":"acme","auth":"alice@sender.test"}""");
        var forwarded = MailQueues.ParseOutbound("""{"v":1,"id":"a.fwd","blob":"b","from":"x@elsewhere.test","rcpt":[],"tenant":"acme"}""");
        Assert.True(submitted.ShouldSign);
        Assert.False(forwarded.ShouldSign);
        Assert.Contains("\"sign\":false", System.Text.Json.JsonSerializer.Serialize(forwarded with { Sign = false }, MailQueues.Json), StringComparison.Ordinal);
    }
}
