using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Serverless.Functions.Http;
using Serverless.Mail.Outbound;
using Serverless.Mail.Provisioning.Dkim;
using Serverless.Mail.Storage;
using Xunit;
using static Serverless.Functions.Tests.Provisioning.ApiTestHost;

namespace Serverless.Functions.Tests.Provisioning;

public sealed class DkimRecordTests
{
    [Fact]
    public async Task The_published_dkim_record_verifies_mail_signed_with_the_stored_private_key()
    {
        await using var host = await StartAsync();
        var tenants = host.Function<TenantsFunction>();
        var domains = host.Function<DomainsFunction>();
        Expect(await Send(Request("POST", AdminKey, new { id = "signer" }), tenants.Create), "CreateTenant", 201);
        var domain = Expect(await Send(Request("POST", AdminKey, new { name = "signed.test" }), r => domains.Create(r, "signer")), "CreateDomain", 201);
        var selector = domain.Str("dkimSelector");
        var record = domain.Body.GetProperty("dnsRecords").EnumerateArray().Single(r => r.GetProperty("name").GetString()!.Contains("._domainkey.", StringComparison.Ordinal));
        var recordName = record.GetProperty("name").GetString()!;
        var recordValue = record.GetProperty("value").GetString()!;
        Assert.Equal($"{selector}._domainkey.signed.test", recordName);

        // The private key as the outbound relay will get it: from storage, through a store with an empty cache.
        var store = new DkimKeyStore(new BlobDkimPrivateKeyStore(host.Services.GetRequiredService<MailStorage>()));
        var key = await store.GetAsync("signed.test", selector);
        Assert.NotNull(key);
        Assert.DoesNotContain("PRIVATE KEY", domain.Body.ToString(), StringComparison.Ordinal);

        var signed = Sign(key.CreateSigner());
        var verifier = new DkimVerifier(new RecordLocator(recordName, recordValue));
        Assert.True(await verifier.VerifyAsync(signed, signed.Headers[signed.Headers.IndexOf(HeaderId.DkimSignature)]));

        // The check can fail: a changed body, or a message signed with another key, does not verify.
        var tampered = Sign(key.CreateSigner());
        ((TextPart)tampered.Body!).Text = "changed after signing\r\n";
        tampered = Reparse(tampered);
        Assert.False(await verifier.VerifyAsync(tampered, tampered.Headers[tampered.Headers.IndexOf(HeaderId.DkimSignature)]));
        var other = Sign(DkimKey.Generate("signed.test", selector).CreateSigner());
        Assert.False(await verifier.VerifyAsync(other, other.Headers[other.Headers.IndexOf(HeaderId.DkimSignature)]));

        // The outbound relay in the function app signs with the same key.
        var outgoing = Unsigned();
        Assert.Equal("signed.test", await host.Services.GetRequiredService<OutboundDkim>().SignAsync(outgoing, null));
        outgoing = Reparse(outgoing);
        Assert.True(await verifier.VerifyAsync(outgoing, outgoing.Headers[outgoing.Headers.IndexOf(HeaderId.DkimSignature)]));
    }

    private static MimeMessage Sign(DkimSigner signer)
    {
        var message = Unsigned();
        signer.Sign(message, DkimKey.RecommendedHeaders);
        return Reparse(message);
    }

    private static MimeMessage Unsigned()
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Sender", "sender@signed.test"));
        message.To.Add(new MailboxAddress("Someone", "someone@remote.example"));
        message.Subject = "Signed";
        message.Date = DateTimeOffset.UtcNow;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("signed.test");
        message.Body = new TextPart("plain") { Text = "Hello, this message carries a DKIM signature.\r\n" };
        message.Prepare(EncodingConstraint.SevenBit);
        return message;
    }

    /// <summary>What a receiver sees: the message as bytes, parsed again.</summary>
    private static MimeMessage Reparse(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(stream);
        stream.Position = 0;
        return MimeMessage.Load(stream);
    }

    /// <summary>A key locator fed from the TXT record the API returned (instead of DNS).</summary>
    private sealed class RecordLocator(string recordName, string recordValue) : DkimPublicKeyLocatorBase
    {
        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default)
        {
            Assert.Equal(recordName, $"{selector}._domainkey.{domain}");
            return GetPublicKey(recordValue);
        }

        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(LocatePublicKey(methods, domain, selector, cancellationToken));
    }
}
