using System.Net;
using System.Text;
using Serverless.Protocols.Common;
using Xunit;

namespace Serverless.Listeners.Tests.Pop3;

public sealed class Pop3TlsTests
{
    [Fact]
    public async Task Before_STLS_plaintext_logins_are_neither_offered_nor_accepted()
    {
        await using var bed = await Pop3TestBed.StartAsync(plaintextOnLoopback: false);
        await using var pop = await bed.RawAsync();

        Assert.StartsWith("+OK", await pop.CommandAsync("CAPA"), StringComparison.Ordinal);
        var before = await pop.ListingAsync();
        Assert.Contains("STLS", before);
        Assert.Contains("RESP-CODES", before);
        Assert.DoesNotContain("USER", before);
        Assert.DoesNotContain(before, c => c.StartsWith("SASL", StringComparison.Ordinal));
        Assert.StartsWith("-ERR [AUTH] Plaintext authentication is only allowed over TLS", await pop.CommandAsync("USER " + Pop3TestBed.Address), StringComparison.Ordinal);
        Assert.StartsWith("-ERR [AUTH]", await pop.CommandAsync("PASS " + Pop3TestBed.Password), StringComparison.Ordinal);
        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{Pop3TestBed.Address}\0{Pop3TestBed.Password}"));
        Assert.StartsWith("-ERR [AUTH]", await pop.CommandAsync("AUTH PLAIN " + plain), StringComparison.Ordinal);

        Assert.Equal("+OK Begin TLS negotiation", await pop.CommandAsync("STLS"));
        await pop.WrapInTlsAsync();
        Assert.StartsWith("+OK", await pop.CommandAsync("CAPA"), StringComparison.Ordinal);
        var after = await pop.ListingAsync();
        Assert.DoesNotContain("STLS", after);
        Assert.Contains("USER", after);
        Assert.Contains("SASL PLAIN", after);
        Assert.StartsWith("+OK", await pop.LoginAsync(Pop3TestBed.Address, Pop3TestBed.Password), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commands_pipelined_behind_STLS_are_discarded_not_run_inside_TLS()
    {
        await using var bed = await Pop3TestBed.StartAsync(plaintextOnLoopback: false);
        await using var pop = await bed.RawAsync();
        // A man in the middle appends a command to the client's STLS; it must not be answered after the handshake.
        await pop.SendAsync("STLS\r\nCAPA\r\n");
        Assert.Equal("+OK Begin TLS negotiation", await pop.LineAsync());
        await pop.WrapInTlsAsync();
        // The first answer inside TLS is the one to our QUIT, not to the injected CAPA.
        Assert.Equal("+OK mail.test POP3 server signing off", await pop.CommandAsync("QUIT"));
    }

    [Fact]
    public async Task The_implicit_TLS_port_offers_logins_at_once_and_no_STLS()
    {
        await using var bed = await Pop3TestBed.StartAsync(plaintextOnLoopback: false);
        await using var pop = await bed.RawAsync(implicitTls: true);
        Assert.StartsWith("+OK", await pop.CommandAsync("CAPA"), StringComparison.Ordinal);
        var capabilities = await pop.ListingAsync();
        Assert.DoesNotContain("STLS", capabilities);
        Assert.Contains("USER", capabilities);
        Assert.Equal("-ERR TLS is already active", await pop.CommandAsync("STLS"));
        Assert.StartsWith("+OK", await pop.LoginAsync(Pop3TestBed.Address, Pop3TestBed.Password), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_loopback_development_setting_allows_plaintext_logins_from_loopback()
    {
        await using var bed = await Pop3TestBed.StartAsync(plaintextOnLoopback: true);
        await using var pop = await bed.RawAsync();
        Assert.StartsWith("+OK", await pop.CommandAsync("CAPA"), StringComparison.Ordinal);
        var capabilities = await pop.ListingAsync();
        Assert.Contains("USER", capabilities);
        Assert.Contains("STLS", capabilities);
        Assert.StartsWith("+OK", await pop.LoginAsync(Pop3TestBed.Address, Pop3TestBed.Password), StringComparison.Ordinal);
        Assert.StartsWith("+OK", await pop.CommandAsync("CAPA"), StringComparison.Ordinal);
        var inTransaction = await pop.ListingAsync();
        Assert.DoesNotContain("USER", inTransaction);
        Assert.DoesNotContain("STLS", inTransaction);
        Assert.Contains("PIPELINING", inTransaction);
    }

    [Fact]
    public async Task The_loopback_setting_does_not_extend_to_remote_clients_behind_a_trusted_proxy()
    {
        await using var bed = await Pop3TestBed.StartAsync(plaintextOnLoopback: true, settings: new Dictionary<string, string?>
        {
            ["Mail:Listeners:TrustedProxies:0"] = "127.0.0.0/8",
        });
        var remote = ProxyProtocolParser.FormatV2(new IPEndPoint(IPAddress.Parse("203.0.113.7"), 40000), new IPEndPoint(IPAddress.Parse("10.0.0.5"), 110));
        await using (var pop = await RawPop3Client.ConnectAsync(bed.Host.Ports.Pop3, prefix: remote))
        {
            Assert.StartsWith("+OK", await pop.CommandAsync("CAPA"), StringComparison.Ordinal);
            Assert.DoesNotContain("USER", await pop.ListingAsync());
            Assert.StartsWith("-ERR [AUTH] Plaintext authentication is only allowed over TLS", await pop.CommandAsync("USER " + Pop3TestBed.Address), StringComparison.Ordinal);
            Assert.Equal("+OK Begin TLS negotiation", await pop.CommandAsync("STLS"));
            await pop.WrapInTlsAsync();
            Assert.StartsWith("+OK", await pop.LoginAsync(Pop3TestBed.Address, Pop3TestBed.Password), StringComparison.Ordinal);
            Assert.StartsWith("+OK", await pop.CommandAsync("QUIT"), StringComparison.Ordinal); // releases the maildrop before answering
        }
        // A loopback client behind the same proxy keeps the development shortcut.
        var local = ProxyProtocolParser.FormatV2(new IPEndPoint(IPAddress.Loopback, 40001), new IPEndPoint(IPAddress.Loopback, 110));
        await using (var pop = await RawPop3Client.ConnectAsync(bed.Host.Ports.Pop3, prefix: local))
        {
            Assert.StartsWith("+OK", await pop.LoginAsync(Pop3TestBed.Address, Pop3TestBed.Password), StringComparison.Ordinal);
        }
    }
}
