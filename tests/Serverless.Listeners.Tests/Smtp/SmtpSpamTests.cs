using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Accounts;
using Serverless.Mail.Spam;
using Serverless.Testing.Raw;
using Serverless.Testing.Spam;
using Xunit;

namespace Serverless.Listeners.Tests.Smtp;

/// <summary>
/// The spam score at the MX, end to end through a real listener and the loopback DNS server: a listed
/// client is refused with 550 5.7.1 before anything is stored, a message above the junk score is
/// marked for Junk per recipient with X-Spam-Status naming the tests, X-Spam-* from outside is
/// removed, and each tenant's allow/block lists decide for its own recipients.
/// </summary>
public sealed class SmtpSpamTests : IAsyncLifetime
{
    private const string Zone = "zen.test";
    private SmtpTestKit _kit = null!;
    private TestRspamdServer? _rspamd;

    public async Task InitializeAsync()
    {
        _rspamd = new TestRspamdServer(0);
        _kit = await SmtpTestKit.StartAsync(new Dictionary<string, string?>
        {
            ["Mail:Spam:Dnsbl:0:Zone"] = Zone,
            ["Mail:Spam:Dnsbl:0:Name"] = "DNSBL_ZEN",
            ["Mail:Spam:Dnsbl:0:Weight"] = "6",
            ["Mail:Spam:Dnsbl:1:Zone"] = "heavy.test",
            ["Mail:Spam:Dnsbl:1:Name"] = "DNSBL_HEAVY",
            ["Mail:Spam:Dnsbl:1:Weight"] = "20",
            ["Mail:Spam:RspamdUrl"] = _rspamd.Url,
        });
        _kit.Dns.AddTxt("friend.test", "v=spf1 ip4:127.0.0.0/8 -all");
        await _kit.Host.Services.GetRequiredService<MailDirectory>().CreateMailboxAsync("globex", MailAddress.Parse("g@globex.example"), SmtpTestKit.Password, null, 0);
    }

    public async Task DisposeAsync()
    {
        await _kit.DisposeAsync();
        await _rspamd!.DisposeAsync();
    }

    private void List(string zone) => _kit.Dns.AddA("1.0.0.127." + zone, "127.0.0.2");

    private Task SetAsync(string tenant, SpamSettings settings) =>
        _kit.Host.Services.GetRequiredService<SpamSettingsStore>().WriteAsync(tenant, settings, default);

    /// <summary>One transaction by hand; returns the reply to the end of data.</summary>
    private async Task<SmtpWireReply> SendAsync(string from, string[] to, string extraHeaders = "", int bodyBytes = 0)
    {
        await using var wire = await SmtpWire.ConnectAsync(_kit.Host.Ports.Smtp);
        Assert.Equal(250, (await wire.CommandAsync("EHLO mx.sender.test")).Code);
        Assert.Equal(250, (await wire.CommandAsync($"MAIL FROM:<{from}>")).Code);
        foreach (var r in to)
        {
            Assert.Equal(250, (await wire.CommandAsync($"RCPT TO:<{r}>")).Code);
        }
        Assert.Equal(354, (await wire.CommandAsync("DATA")).Code);
        var sb = new StringBuilder().Append("From: <").Append(from).Append(">\r\nTo: <").Append(to[0]).Append(">\r\n").Append(extraHeaders)
            .Append("Subject: offer\r\n\r\nBuy now.\r\n");
        var line = new string('x', 98) + "\r\n";
        while (sb.Length < bodyBytes)
        {
            sb.Append(line);
        }
        await wire.SendAsync(sb.Append(".\r\n").ToString());
        var reply = await wire.ReadReplyAsync();
        await wire.CommandAsync("QUIT");
        return reply;
    }

    private async Task<string> StoredAsync(Mail.Queues.InboundHandoff handoff) => Encoding.UTF8.GetString(await _kit.StoredAsync(handoff));

    [Fact]
    public async Task A_listed_client_above_the_reject_score_gets_550_5_7_1_and_nothing_is_stored_or_queued()
    {
        List("heavy.test");
        var reply = await SendAsync("a@remote.example", ["user@example.com"]);
        Assert.Equal((550, "5.7.1"), (reply.Code, reply.Enhanced));
        Assert.Empty(await _kit.InboundAsync());
        Assert.Equal(0, await _kit.BlobCountAsync());
    }

    [Fact]
    public async Task A_large_streamed_message_from_a_listed_client_is_refused_on_its_connection_signals_alone()
    {
        List("heavy.test");
        var reply = await SendAsync("a@remote.example", ["user@example.com"], bodyBytes: 1_300_000);
        Assert.Equal((550, "5.7.1"), (reply.Code, reply.Enhanced));
        Assert.Empty(await _kit.InboundAsync());
        Assert.Equal(0, await _kit.BlobCountAsync()); // the staged blocks were never committed
    }

    [Fact]
    public async Task A_message_above_the_junk_score_is_accepted_marked_for_junk_and_says_which_tests_fired()
    {
        List(Zone);
        var reply = await SendAsync("a@remote.example", ["user@example.com"]);
        Assert.Equal(250, reply.Code);
        var handoff = Assert.Single(await _kit.InboundAsync());
        Assert.True(Assert.Single(handoff.Recipients).Junk);
        Assert.False(handoff.Junk); // DMARC/SPF's own decision is unchanged
        Assert.True(handoff.SpamScore >= 6);
        var stored = await StoredAsync(handoff);
        var header = stored[..stored.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        Assert.Matches(@"X-Spam-Score: \d+\.\d\r\nX-Spam-Status: Yes, score=\d+\.\d required=5\.0 tests=", header);
        Assert.Contains("DNSBL_ZEN", header, StringComparison.Ordinal);
        Assert.Contains("RDNS_NONE", header, StringComparison.Ordinal); // 127.0.0.1 has no PTR on this DNS
    }

    [Fact]
    public async Task X_spam_headers_from_outside_are_removed_and_only_ours_are_stored()
    {
        var reply = await SendAsync("a@remote.example", ["user@example.com"], "X-Spam-Status: No, score=-100.0 required=5.0 tests=ALL_TRUSTED\r\nX-Spam-Flag: NO\r\nx-spam-score: -100\r\n");
        Assert.Equal(250, reply.Code);
        var stored = await StoredAsync(Assert.Single(await _kit.InboundAsync()));
        Assert.Equal(2, stored.Split("X-Spam-Status:").Length); // exactly one: ours
        Assert.DoesNotContain("ALL_TRUSTED", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Spam-Flag", stored, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("-100", stored, StringComparison.Ordinal);
        Assert.Contains("X-Spam-Status: No, score=", stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_allow_listed_authenticated_sender_is_never_refused_or_junked_and_a_forged_one_gains_nothing()
    {
        List("heavy.test");
        await SetAsync("acme", new SpamSettings(null, null, ["friend.test", "boss@forged.test"], []));
        Assert.Equal(250, (await SendAsync("news@friend.test", ["user@example.com"])).Code); // SPF pass
        Assert.False(Assert.Single(Assert.Single(await _kit.InboundAsync()).Recipients).Junk);
        // forged.test publishes no SPF: anyone could claim to be boss@forged.test, so the list does not apply.
        Assert.Equal(550, (await SendAsync("boss@forged.test", ["user@example.com"])).Code);
    }

    [Fact]
    public async Task A_block_listed_sender_is_refused_unless_another_recipients_tenant_accepts_it_then_it_goes_to_junk_there_only()
    {
        await SetAsync("acme", new SpamSettings(null, null, [], ["pest.test"]));
        var refused = await SendAsync("x@mail.pest.test", ["user@example.com", "other@example.com"]);
        Assert.Equal((550, "5.7.1"), (refused.Code, refused.Enhanced));

        // globex does not block it: accepted, acme's copy to Junk, globex's to its INBOX.
        Assert.Equal(250, (await SendAsync("x@mail.pest.test", ["user@example.com", "g@globex.example"])).Code);
        var handoff = Assert.Single(await _kit.InboundAsync());
        Assert.Equal([("user@example.com", true), ("g@globex.example", false)], handoff.Recipients.Select(r => (r.Address, r.Junk)));
    }

    [Fact]
    public async Task A_tenants_own_thresholds_apply_to_its_recipients()
    {
        List(Zone); // DNSBL_ZEN 6 + RDNS_NONE 1.5 = 7.5
        await SetAsync("globex", new SpamSettings(JunkScore: 10, RejectScore: 7, [], []));
        Assert.Equal(550, (await SendAsync("a@remote.example", ["g@globex.example"])).Code);
        await SetAsync("globex", new SpamSettings(JunkScore: 10, RejectScore: 20, [], []));
        Assert.Equal(250, (await SendAsync("a@remote.example", ["g@globex.example", "user@example.com"])).Code);
        var handoff = Assert.Single(await _kit.InboundAsync());
        Assert.Equal([("g@globex.example", false), ("user@example.com", true)], handoff.Recipients.Select(r => (r.Address, r.Junk)));
    }

    [Fact]
    public async Task Rspamds_score_is_combined_and_it_is_told_the_envelope()
    {
        _rspamd!.Score = 4;
        Assert.Equal(250, (await SendAsync("a@remote.example", ["user@example.com", "other@example.com"])).Code);
        var handoff = Assert.Single(await _kit.InboundAsync());
        Assert.All(handoff.Recipients, r => Assert.True(r.Junk)); // 4 + RDNS_NONE 1.5 ≥ 5
        Assert.Contains("RSPAMD", await StoredAsync(handoff), StringComparison.Ordinal);
        var (path, headers, body) = Assert.Single(_rspamd.Requests);
        Assert.Equal("/checkv2", path);
        Assert.Equal(["127.0.0.1"], TestRspamdServer.Values(headers, "IP"));
        Assert.Equal(["user@example.com", "other@example.com"], TestRspamdServer.Values(headers, "Rcpt"));
        Assert.Equal(handoff.Id, Assert.Single(TestRspamdServer.Values(headers, "Queue-Id")));
        Assert.StartsWith("From: <a@remote.example>", Encoding.UTF8.GetString(body), StringComparison.Ordinal);
    }
}
