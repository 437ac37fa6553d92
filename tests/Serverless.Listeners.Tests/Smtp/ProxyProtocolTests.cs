using System.Net;
using System.Text;
using Serverless.Protocols.Common;
using Xunit;

namespace Serverless.Listeners.Tests.Smtp;

/// <summary>The PROXY protocol is shared connection plumbing; SMTP's EHLO reply shows the client address it set.</summary>
public sealed class ProxyProtocolTests
{
    private static readonly IPEndPoint Client = new(IPAddress.Parse("203.0.113.7"), 40123);
    private static readonly IPEndPoint Local = new(IPAddress.Parse("10.0.0.5"), 25);

    [Fact]
    public async Task Trusted_proxies_set_the_client_address_with_v1_and_v2_and_must_send_a_header()
    {
        await using var kit = await SmtpTestKit.StartAsync(new Dictionary<string, string?> { ["Mail:Listeners:TrustedProxies:0"] = "127.0.0.0/8" });
        foreach (var header in new[] { ProxyProtocolParser.FormatV1(Client, Local), ProxyProtocolParser.FormatV2(Client, Local) })
        {
            await using var wire = await SmtpWire.OpenAsync(kit.Host.Ports.Smtp, prefix: header);
            Assert.Equal(220, (await wire.ReadReplyAsync()).Code);
            var ehlo = await wire.CommandAsync("EHLO client.test");
            Assert.EndsWith("Hello client.test [203.0.113.7]", ehlo.Lines[0], StringComparison.Ordinal);
        }
        // Implicit TLS: the header comes before the handshake.
        await using (var tls = await SmtpWire.OpenAsync(kit.Host.Ports.Submissions, tls: true, prefix: ProxyProtocolParser.FormatV2(Client, Local)))
        {
            Assert.Equal(220, (await tls.ReadReplyAsync()).Code);
            Assert.EndsWith("[203.0.113.7]", (await tls.CommandAsync("EHLO x")).Lines[0], StringComparison.Ordinal);
        }
        // LOCAL (health check): the proxy's own address stands.
        await using (var local = await SmtpWire.OpenAsync(kit.Host.Ports.Smtp, prefix: ProxyProtocolParser.FormatV2(null, null)))
        {
            Assert.Equal(220, (await local.ReadReplyAsync()).Code);
            Assert.EndsWith("[127.0.0.1]", (await local.CommandAsync("EHLO x")).Lines[0], StringComparison.Ordinal);
        }
        // A trusted peer without a valid header is cut off before any greeting.
        await using var bare = await SmtpWire.OpenAsync(kit.Host.Ports.Smtp, prefix: Encoding.ASCII.GetBytes("EHLO sneaky\r\n"));
        Assert.Equal("", await bare.ReadToEndAsync());
        await using var imap = await SmtpWire.OpenAsync(kit.Host.Ports.Imap, prefix: Encoding.ASCII.GetBytes("PROXY TCP4 garbage\r\n"));
        Assert.Equal("", await imap.ReadToEndAsync());
    }

    [Fact]
    public async Task An_untrusted_peer_sending_a_header_is_disconnected_on_every_listener()
    {
        await using var kit = await SmtpTestKit.StartAsync(new Dictionary<string, string?> { ["Mail:Listeners:TrustedProxies:0"] = "192.0.2.0/24" });
        foreach (var port in new[] { kit.Host.Ports.Smtp, kit.Host.Ports.Pop3, kit.Host.Ports.Imap })
        {
            await using var wire = await SmtpWire.OpenAsync(port);
            var greeting = await wire.ReadReplyLineAsync();
            Assert.False(string.IsNullOrEmpty(greeting));
            await wire.SendAsync(ProxyProtocolParser.FormatV1(Client, Local));
            Assert.Equal("", await wire.ReadToEndAsync());
        }
        await using var v2 = await SmtpWire.OpenAsync(kit.Host.Ports.Smtp);
        await v2.ReadReplyLineAsync();
        await v2.SendAsync(ProxyProtocolParser.FormatV2(Client, Local));
        Assert.Equal("", await v2.ReadToEndAsync());
        // Ordinary clients are unaffected.
        await using var ok = await SmtpWire.ConnectAsync(kit.Host.Ports.Smtp);
        Assert.EndsWith("[127.0.0.1]", (await ok.CommandAsync("EHLO x")).Lines[0], StringComparison.Ordinal);
    }
}
