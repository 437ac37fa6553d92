using System.Net;
using System.Net.Sockets;
using Serverless.Mail.Outbound;
using Serverless.Testing.Outbound;
using Xunit;

namespace Serverless.Mail.Tests.Outbound;

/// <summary>The relay follows DNS answers only to public addresses (no SSRF into our own network).</summary>
public sealed class PublicNetworkTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.12.0.9")]
    [InlineData("0.0.0.0")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.254")]
    [InlineData("192.168.1.1")]
    [InlineData("100.64.0.1")]
    [InlineData("169.254.169.254")] // cloud metadata service
    [InlineData("168.63.129.16")]   // Azure platform endpoint
    [InlineData("192.0.2.10")]
    [InlineData("198.18.0.1")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("fe80::1")]
    [InlineData("fc00::1")]
    [InlineData("fd00:ec2::254")]   // AWS IPv6 metadata
    [InlineData("ff02::1")]
    [InlineData("2001:db8::1")]
    [InlineData("::ffff:127.0.0.1")] // IPv4-mapped
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("64:ff9b::a9fe:a9fe")] // NAT64 of 169.254.169.254
    [InlineData("2002:7f00:1::1")]    // 6to4 of 127.0.0.1
    public void Loopback_private_link_local_metadata_and_reserved_addresses_are_not_public(string address)
        => Assert.False(PublicNetwork.Contains(IPAddress.Parse(address)));

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("203.0.114.1")]
    [InlineData("2001:4860:4860::8888")]
    [InlineData("2a00:1450:4001:800::200e")]
    [InlineData("::ffff:8.8.4.4")]
    [InlineData("64:ff9b::808:808")]
    public void Internet_addresses_are_public(string address)
        => Assert.True(PublicNetwork.Contains(IPAddress.Parse(address)));

    [Fact]
    public async Task An_mx_on_a_non_public_address_fails_permanently_without_a_connection()
    {
        using var f = new DeliveryFixture(o => o.AllowPrivateNetworks = false);
        f.Dns.AddMx("internal.test", 10, "mx.internal.test");
        f.Dns.AddA("mx.internal.test", "127.0.0.40");
        await using var inside = f.Smtp("127.0.0.40");
        await using var file = await DeliveryFixture.FileAsync(DeliveryFixture.Message(to: "x@internal.test"));

        var result = await f.Delivery.DeliverAsync("internal.test", DeliveryFixture.Request(file, "alice@sender.test", "x@internal.test"));

        var status = result["x@internal.test"];
        Assert.Equal((RecipientState.Failed, "5.4.4"), (status.State, status.Status));
        Assert.Contains("non-public", status.Diagnostic, StringComparison.Ordinal);
        Assert.Equal(0, inside.Connections);
    }

    [Fact]
    public async Task A_domain_without_mx_whose_own_address_is_private_fails_the_same_way()
    {
        using var f = new DeliveryFixture(o => o.AllowPrivateNetworks = false);
        f.Dns.AddA("implicit.test", "127.0.0.41");
        await using var inside = f.Smtp("127.0.0.41");
        await using var file = await DeliveryFixture.FileAsync(DeliveryFixture.Message(to: "x@implicit.test"));

        var result = await f.Delivery.DeliverAsync("implicit.test", DeliveryFixture.Request(file, "alice@sender.test", "x@implicit.test"));

        Assert.Equal((RecipientState.Failed, "5.4.4"), (result["x@implicit.test"].State, result["x@implicit.test"].Status));
        Assert.Equal(0, inside.Connections);
    }

    [Fact]
    public async Task The_setting_lets_tests_and_labs_deliver_on_loopback()
    {
        using var f = new DeliveryFixture(o => o.AllowPrivateNetworks = true);
        f.Dns.AddMx("lab.test", 10, "mx.lab.test");
        f.Dns.AddA("mx.lab.test", "127.0.0.42");
        await using var lab = f.Smtp("127.0.0.42");
        await using var file = await DeliveryFixture.FileAsync(DeliveryFixture.Message(to: "x@lab.test"));

        var result = await f.Delivery.DeliverAsync("lab.test", DeliveryFixture.Request(file, "alice@sender.test", "x@lab.test"));

        Assert.Equal(RecipientState.Delivered, result["x@lab.test"].State);
        Assert.Single(lab.Messages);
    }

    [Fact]
    public async Task The_smart_host_is_the_operators_choice_and_may_be_private()
    {
        using var cert = TestCertificates.Create("smtp.relay.test");
        using var f = new DeliveryFixture(o =>
        {
            o.AllowPrivateNetworks = false;
            o.SmartHost = new SmartHostOptions { Host = "smtp.relay.test" };
            o.TrustedCertificates = [TestCertificates.Sha256(cert)];
        });
        f.Options.SmartHost.Port = f.Port;
        f.Dns.AddA("smtp.relay.test", "127.0.0.43");
        await using var relay = f.Smtp("127.0.0.43", s => s.Certificate = cert);
        await using var file = await DeliveryFixture.FileAsync(DeliveryFixture.Message());

        var result = await f.Delivery.DeliverAsync("", DeliveryFixture.Request(file, "alice@sender.test", "a@one.test"));

        Assert.Equal(RecipientState.Delivered, result["a@one.test"].State);
    }

    [Fact]
    public async Task The_mta_sts_policy_is_not_fetched_from_a_non_public_address()
    {
        using var f = new DeliveryFixture(o => o.AllowPrivateNetworks = false);
        var listener = new TcpListener(IPAddress.Parse("127.0.0.44"), 0);
        listener.Start();
        try
        {
            f.Options.MtaStsHttpsPort = ((IPEndPoint)listener.LocalEndpoint).Port;
            using var fetcher = new HttpsMtaStsPolicyFetcher(f.Resolver, new TlsCertificatePolicy(f.Options), f.Options);
            f.Dns.AddA("mta-sts.internal.test", "127.0.0.44");

            var policy = await fetcher.FetchAsync("internal.test", CancellationToken.None);

            Assert.Null(policy);
            Assert.False(listener.Pending(), "a connection was made to the non-public policy host");
        }
        finally
        {
            listener.Stop();
        }
    }
}
