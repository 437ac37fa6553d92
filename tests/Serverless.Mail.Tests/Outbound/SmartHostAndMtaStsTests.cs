using System.Net;
using Serverless.Mail.Outbound;
using Serverless.Testing;
using Serverless.Testing.Outbound;
using Xunit;

namespace Serverless.Mail.Tests.Outbound;

public sealed class SmartHostAndMtaStsTests
{
    [Fact]
    public async Task Smart_host_mode_sends_every_domain_in_one_transaction_over_starttls_with_auth()
    {
        using var cert = TestCertificates.Create("smtp.relay.test");
        using var f = new DeliveryFixture(o =>
        {
            o.SmartHost = new SmartHostOptions { Host = "smtp.relay.test", UserName = "relay-user", Password = "relay-secret" };
            o.TrustedCertificates = [TestCertificates.Sha256(cert)];
        });
        f.Options.SmartHost.Port = f.Port;
        f.Dns.AddA("smtp.relay.test", "127.0.0.30");
        await using var relay = f.Smtp("127.0.0.30", s =>
        {
            s.Certificate = cert;
            s.RequireTls = true;
            s.Auth = ("relay-user", "relay-secret");
        });
        await using var file = await DeliveryFixture.FileAsync(DeliveryFixture.Message());

        // No MX records exist for these domains: the smart host is the only route.
        var result = await f.Delivery.DeliverAsync("", DeliveryFixture.Request(file, "alice@sender.test", "a@one.test", "b@two.test"));

        Assert.All(result.Values, s => Assert.Equal(RecipientState.Delivered, s.State));
        var m = Assert.Single(relay.Messages);
        Assert.True(m.Tls);
        Assert.Equal("relay-user", m.AuthUser);
        Assert.Equal(["a@one.test", "b@two.test"], m.Recipients);
        Assert.True(relay.Commands.ToList().IndexOf("STARTTLS") < relay.Commands.ToList().FindIndex(c => c.StartsWith("AUTH", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Smart_host_credentials_are_never_sent_to_an_unverified_certificate()
    {
        using var cert = TestCertificates.Create("smtp.relay.test");
        using var f = new DeliveryFixture(o => o.SmartHost = new SmartHostOptions { Host = "127.0.0.31", UserName = "relay-user", Password = "relay-secret" });
        f.Options.SmartHost.Port = f.Port;
        await using var relay = f.Smtp("127.0.0.31", s =>
        {
            s.Certificate = cert;
            s.Auth = ("relay-user", "relay-secret");
        });
        await using var file = await DeliveryFixture.FileAsync(DeliveryFixture.Message());

        var result = await f.Delivery.DeliverAsync("", DeliveryFixture.Request(file, "alice@sender.test", "a@one.test"));

        Assert.Equal(("4.7.5", RecipientState.Pending), (result["a@one.test"].Status, result["a@one.test"].State));
        Assert.DoesNotContain(relay.Commands, c => c.StartsWith("AUTH", StringComparison.Ordinal));
        Assert.Empty(relay.Messages);
    }

    [Fact]
    public async Task An_mta_sts_enforce_policy_requires_verified_tls_and_a_listed_mx()
    {
        using var mxCert = TestCertificates.Create("mx.secure.test");
        using var webCert = TestCertificates.Create("mta-sts.secure.test");
        var httpsPort = AzuriteProcess.FreePort();
        using var f = new DeliveryFixture(o =>
        {
            o.MtaStsHttpsPort = httpsPort;
            o.TrustedCertificates = [TestCertificates.Sha256(mxCert), TestCertificates.Sha256(webCert)];
        });
        f.Dns.AddTxt("_mta-sts.secure.test", "v=STSv1; id=20261127");
        f.Dns.AddA("mta-sts.secure.test", "127.0.0.32");
        // The best MX is not in the policy: under enforce it must be skipped.
        f.Dns.AddMx("secure.test", 5, "rogue.elsewhere.test");
        f.Dns.AddA("rogue.elsewhere.test", "127.0.0.33");
        f.Dns.AddMx("secure.test", 10, "mx.secure.test");
        f.Dns.AddA("mx.secure.test", "127.0.0.34");
        await using var policy = new TestHttpsServer(IPAddress.Parse("127.0.0.32"), httpsPort, webCert,
            "version: STSv1\r\nmode: enforce\r\nmx: *.secure.test\r\nmax_age: 86400\r\n");
        await using var rogue = f.Smtp("127.0.0.33");
        await using var mx = f.Smtp("127.0.0.34", s => s.Certificate = mxCert);
        await using var file = await DeliveryFixture.FileAsync(DeliveryFixture.Message());

        var result = await f.Delivery.DeliverAsync("secure.test", DeliveryFixture.Request(file, "alice@sender.test", "x@secure.test"));

        Assert.Equal(RecipientState.Delivered, result["x@secure.test"].State);
        Assert.True(Assert.Single(mx.Messages).Tls);
        Assert.Equal(0, rogue.Connections);
        Assert.Equal(["/.well-known/mta-sts.txt"], policy.Paths);
    }

    [Fact]
    public async Task Under_an_mta_sts_enforce_policy_an_mx_without_starttls_is_a_temporary_failure()
    {
        using var webCert = TestCertificates.Create("mta-sts.strict.test");
        var httpsPort = AzuriteProcess.FreePort();
        using var f = new DeliveryFixture(o =>
        {
            o.MtaStsHttpsPort = httpsPort;
            o.TrustedCertificates = [TestCertificates.Sha256(webCert)];
        });
        f.Dns.AddTxt("_mta-sts.strict.test", "v=STSv1; id=1");
        f.Dns.AddA("mta-sts.strict.test", "127.0.0.35");
        f.Dns.AddMx("strict.test", 10, "mx.strict.test");
        f.Dns.AddA("mx.strict.test", "127.0.0.36");
        await using var policy = new TestHttpsServer(IPAddress.Parse("127.0.0.35"), httpsPort, webCert,
            "version: STSv1\nmode: enforce\nmx: mx.strict.test\nmax_age: 600\n");
        await using var mx = f.Smtp("127.0.0.36"); // no STARTTLS offered
        await using var file = await DeliveryFixture.FileAsync(DeliveryFixture.Message());

        var result = await f.Delivery.DeliverAsync("strict.test", DeliveryFixture.Request(file, "alice@sender.test", "x@strict.test"));

        Assert.Equal(("4.7.5", RecipientState.Pending), (result["x@strict.test"].Status, result["x@strict.test"].State));
        Assert.Empty(mx.Messages);
    }

    [Theory]
    [InlineData("mx.example.com", true)]
    [InlineData("MX.Example.COM.", true)]
    [InlineData("a.mx.example.com", false)]
    [InlineData("other.example.com", false)]
    public void Mta_sts_patterns_match_an_exact_name_or_one_wildcard_label(string host, bool expected)
    {
        var policy = MtaStsPolicy.Parse("version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\nmx: *.mail.example.com\r\nmax_age: 604800\r\n")!;
        Assert.Equal(expected, policy.Matches(host));
        Assert.True(policy.Matches("eu.mail.example.com"));
        Assert.False(policy.Matches("mail.example.com"));
        Assert.Null(MtaStsPolicy.Parse("version: STSv2\nmode: enforce\nmx: a.b\nmax_age: 1\n"));
    }
}
