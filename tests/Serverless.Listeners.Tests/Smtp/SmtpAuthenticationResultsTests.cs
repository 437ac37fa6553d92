using System.Security.Cryptography;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using MimeKit.Cryptography;
using Serverless.Mail.Storage;
using Xunit;

namespace Serverless.Listeners.Tests.Smtp;

/// <summary>SPF at MAIL FROM, DKIM and DMARC on the message in memory, all answered by the loopback DNS server.</summary>
public sealed class SmtpAuthenticationResultsTests : IAsyncLifetime
{
    private SmtpTestKit _kit = null!;

    public async Task InitializeAsync() => _kit = await SmtpTestKit.StartAsync();

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    private async Task SendAsync(MimeMessage message)
    {
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", _kit.Host.Ports.Smtp, SecureSocketOptions.None);
        await client.SendAsync(message);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task A_signed_message_from_an_spf_authorised_host_passes_spf_dkim_and_dmarc()
    {
        using var rsa = RSA.Create(2048);
        _kit.Dns.AddTxt("good.example", "v=spf1 ip4:127.0.0.0/8 -all");
        _kit.Dns.AddTxt("sel1._domainkey.good.example", "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()));
        _kit.Dns.AddTxt("_dmarc.good.example", "v=DMARC1; p=reject; adkim=s");
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("news@good.example"));
        message.To.Add(MailboxAddress.Parse("user@example.com"));
        message.Subject = "signed";
        message.Body = new TextPart("plain") { Text = "A signed body.\r\n" };
        using var key = new MemoryStream(Encoding.ASCII.GetBytes(rsa.ExportRSAPrivateKeyPem()));
        var signer = new DkimSigner(key, "good.example", "sel1") { HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed, BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed };
        message.Prepare(EncodingConstraint.SevenBit);
        signer.Sign(message, [HeaderId.From, HeaderId.To, HeaderId.Subject]);
        await SendAsync(message);

        var handoff = Assert.Single(await _kit.InboundAsync());
        Assert.Equal("pass", handoff.Spf);
        Assert.False(handoff.Junk);
        var text = Encoding.UTF8.GetString(await _kit.StoredAsync(handoff));
        var header = text[..text.IndexOf("Return-Path:", StringComparison.Ordinal)];
        Assert.StartsWith("Authentication-Results: mail.test;\r\n\tspf=pass smtp.mailfrom=news@good.example;\r\n\tdkim=pass header.d=good.example header.s=sel1 header.b=", header, StringComparison.Ordinal);
        Assert.EndsWith(";\r\n\tdmarc=pass (p=reject) header.from=good.example;\r\n\tarc=none\r\n", header, StringComparison.Ordinal);
        // A small message rides in its hand-off with the verdict in its bytes and its summary, so the
        // ingest never checks it again (a blob-stored one records it as metadata authres=1: Pop3MessageCacheTests).
        Assert.NotNull(handoff.Content);
        Assert.NotNull(handoff.Summary);
    }

    [Fact]
    public async Task A_forged_sender_of_a_dmarc_reject_domain_is_accepted_but_marked_for_junk()
    {
        _kit.Dns.AddTxt("bank.example", "v=spf1 ip4:198.51.100.0/24 -all");
        _kit.Dns.AddTxt("_dmarc.bank.example", "v=DMARC1; p=reject");
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("security@bank.example"));
        message.To.Add(MailboxAddress.Parse("user@example.com"));
        message.Subject = "verify your account";
        message.Body = new TextPart("plain") { Text = "click here" };
        await SendAsync(message);
        var handoff = Assert.Single(await _kit.InboundAsync());
        Assert.Equal("fail", handoff.Spf);
        Assert.True(handoff.Junk);
        var text = Encoding.UTF8.GetString(await _kit.StoredAsync(handoff));
        Assert.StartsWith("Authentication-Results: mail.test;\r\n\tspf=fail smtp.mailfrom=security@bank.example;\r\n\tdkim=none;\r\n\tdmarc=fail (p=reject) header.from=bank.example;\r\n\tarc=none\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lone_small_message_costs_the_listener_one_queue_put_and_no_blob()
    {
        var delta = await RequestsOfOneMessageAsync("x");
        // Was a Put Blob and a queue put: the message now rides in its hand-off (docs/storage.md, "Inbound mail in its hand-off").
        Assert.Equal(1, delta.Values.Sum());
        Assert.Equal(("queue", "POSTMessage"), Assert.Single(delta.Keys));
    }

    [Fact]
    public async Task A_lone_message_over_the_inline_handoff_threshold_costs_the_listener_one_blob_put_and_one_queue_put()
    {
        var delta = await RequestsOfOneMessageAsync(string.Concat(Enumerable.Repeat("A line of a longer message body.\r\n", 1300))); // ~44 KiB
        Assert.Equal(2, delta.Values.Sum());
        Assert.Equal([("blob", "PUT"), ("queue", "POSTMessage")], delta.Keys.Order());
    }

    /// <summary>The listener's storage requests for one message with this body, after a warm-up message that resolves and caches the recipient.</summary>
    private async Task<Dictionary<(string, string), long>> RequestsOfOneMessageAsync(string body)
    {
        var meter = _kit.Host.Services.GetRequiredService<StorageRequestMeter>();
        async Task Send(string subject)
        {
            var m = new MimeMessage();
            m.From.Add(MailboxAddress.Parse("sender@remote.example"));
            m.To.Add(MailboxAddress.Parse("user@example.com"));
            m.Subject = subject;
            m.Body = new TextPart("plain") { Text = body };
            await SendAsync(m);
        }
        await Send("warm-up");
        var before = meter.Snapshot();
        await Send("measured");
        var after = meter.Snapshot();
        return after.Where(kv => kv.Value - before.GetValueOrDefault(kv.Key) > 0).ToDictionary(kv => kv.Key, kv => kv.Value - before.GetValueOrDefault(kv.Key));
    }
}
