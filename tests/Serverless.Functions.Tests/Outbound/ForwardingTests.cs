using DnsClient;
using MimeKit;
using MimeKit.Cryptography;
using Serverless.Mail.Accounts;
using Serverless.Mail.Forwarding;
using Serverless.Mail.Provisioning.Dkim;
using Serverless.Testing.Outbound;
using Xunit;

namespace Serverless.Functions.Tests.Outbound;

/// <summary>
/// Forwarding others can trust, from the MX to the receiving server: an alias of lists.test (a domain
/// with a DKIM key) forwards to carol@remote.test. The forward leaves with an SRS envelope sender and
/// an ARC set, not the tenant's DKIM signature; a bounce to the SRS address returns to the original
/// sender; a forged or expired SRS address is refused.
/// </summary>
public sealed class ForwardingTests
{
    private const string Secret = "forwarding test secret";

    private static async Task<LocalStack> StartAsync(string receiverIp)
    {
        var stack = await LocalStack.StartAsync(new Dictionary<string, string?> { ["Mail:Srs:Secret"] = Secret });
        var key = await stack.Get<DkimKeyStore>().CreateAsync("lists.test");
        var directory = stack.Get<MailDirectory>();
        await directory.AddDomainAsync("acme", "lists.test", key.Selector);
        await directory.CreateAliasAsync("acme", "lists.test", "team", ["carol@remote.test"]);
        // A catch-all: an SRS address that fails its check must be refused, not land here.
        await directory.CreateAliasAsync("acme", "lists.test", null, ["bob@sender.test"]);
        stack.Dns.AddTxt(key.RecordName, key.RecordValue);
        stack.Dns.AddMx("remote.test", 10, "mx.remote.test");
        stack.Dns.AddMx("origin.test", 10, "mx.remote.test");
        stack.Dns.AddA("mx.remote.test", receiverIp);
        return stack;
    }

    /// <summary>One transaction on the MX; returns the RCPT reply, and the final one after DATA when RCPT was accepted.</summary>
    private static async Task<(SmtpWireReply Rcpt, SmtpWireReply? Data)> SendAsync(int port, string mailFrom, string rcpt, string message)
    {
        await using var wire = await SmtpWire.ConnectAsync(port);
        Assert.Equal(250, (await wire.CommandAsync("EHLO mx.origin.test")).Code);
        Assert.Equal(250, (await wire.CommandAsync($"MAIL FROM:<{mailFrom}>")).Code);
        var rcptReply = await wire.CommandAsync($"RCPT TO:<{rcpt}>");
        if (rcptReply.Code != 250)
        {
            return (rcptReply, null);
        }
        Assert.Equal(354, (await wire.CommandAsync("DATA")).Code);
        await wire.SendAsync(message + ".\r\n");
        var data = await wire.ReadReplyAsync();
        await wire.CommandAsync("QUIT");
        return (rcptReply, data);
    }

    private static string Message(string from, string subject) =>
        $"From: <{from}>\r\nTo: <team@lists.test>\r\nSubject: {subject}\r\nDate: Thu, 03 Dec 2026 10:00:00 +0000\r\nMessage-ID: <{Guid.NewGuid():N}@origin.test>\r\n" +
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nPlease pass this on.\r\n";

    [Fact]
    public async Task A_forward_carries_SRS_and_a_valid_ARC_set_but_no_tenant_signature_and_its_bounce_returns_to_the_sender()
    {
        await using var stack = await StartAsync("127.0.0.72");
        await using var receiver = TestSmtpServer.Start("127.0.0.72", stack.SmtpPort);

        // The author's domain is lists.test itself, whose key the relay would sign a submission with.
        var (rcpt, data) = await SendAsync(stack.MxPort, "ann@origin.test", "team@lists.test", Message("ann@lists.test", "Pass it on"));
        Assert.Equal((250, 250), (rcpt.Code, data!.Code));

        var forward = Assert.Single(await receiver.WaitForMessagesAsync(1));
        Assert.Equal(["carol@remote.test"], forward.Recipients);
        Assert.Matches("^SRS0=[A-Z2-7]{6}=[A-Z2-7]{2}=origin.test=ann@lists.test$", forward.MailFrom);
        using var received = MimeMessage.Load(new MemoryStream(forward.Data));
        Assert.False(received.Headers.Contains(HeaderId.DkimSignature));
        var aar = received.Headers[HeaderId.ArcAuthenticationResults]!;
        Assert.Contains("mail.sender.test", aar, StringComparison.Ordinal);
        Assert.Contains("spf=none", aar, StringComparison.Ordinal);
        Assert.Contains("arc=none", aar, StringComparison.Ordinal);
        Assert.Contains("cv=none", received.Headers[HeaderId.ArcSeal]!, StringComparison.Ordinal);
        Assert.Contains("d=lists.test", received.Headers[HeaderId.ArcSeal]!, StringComparison.Ordinal);
        var arc = await new ArcVerifier(new DnsDkimPublicKeyLocator(new LookupClient(stack.Dns.EndPoint))).VerifyAsync(received);
        Assert.Equal(ArcSignatureValidationResult.Pass, arc.Chain);

        // The remote server bounces it: the DSN to the SRS address goes back to ann, from <>.
        var dsn = "From: <mailer-daemon@remote.test>\r\nTo: <" + forward.MailFrom + ">\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
            $"Message-ID: <{Guid.NewGuid():N}@remote.test>\r\n\r\ncarol@remote.test: no such user\r\n";
        (rcpt, data) = await SendAsync(stack.MxPort, "", forward.MailFrom, dsn);
        Assert.Equal((250, 250), (rcpt.Code, data!.Code));
        var messages = await receiver.WaitForMessagesAsync(2);
        var bounce = messages[1];
        Assert.Equal("", bounce.MailFrom);
        Assert.Equal(["ann@origin.test"], bounce.Recipients);
        Assert.Contains("no such user", bounce.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_forged_expired_or_malformed_SRS_address_is_refused_550_and_never_reaches_the_catch_all()
    {
        await using var stack = await StartAsync("127.0.0.73");
        var codec = new SrsCodec(Secret);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var valid = codec.Forward("ann@origin.test", "lists.test", today);
        var fields = valid.Split('=');
        var forged = $"SRS0={(fields[1][0] == 'A' ? 'B' : 'A')}{fields[1][1..]}={fields[2]}={fields[3]}={fields[4]}";
        var otherTarget = $"SRS0={fields[1]}={fields[2]}=victim.test=ann@lists.test";
        var expired = codec.Forward("ann@origin.test", "lists.test", today.AddDays(-22));
        var foreignKey = new SrsCodec("someone else's secret").Forward("ann@origin.test", "lists.test", today);
        foreach (var address in new[] { forged, otherTarget, expired, foreignKey, "SRS0=garbage@lists.test" })
        {
            var (rcpt, _) = await SendAsync(stack.MxPort, "", address, "Subject: x\r\n\r\nx\r\n");
            Assert.Equal((550, "5.1.1"), (rcpt.Code, rcpt.Enhanced));
        }
        var (ok, _) = await SendAsync(stack.MxPort, "", valid, "Subject: x\r\n\r\nx\r\n");
        Assert.Equal(250, ok.Code); // and a fresh, valid one is taken
    }
}
