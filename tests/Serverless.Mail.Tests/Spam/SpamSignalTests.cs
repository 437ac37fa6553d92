using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using Serverless.Mail.Delivery;
using Serverless.Mail.Delivery.Authentication;
using Serverless.Mail.Outbound;
using Serverless.Mail.Spam;
using Serverless.Mail.Spam.Signals;
using Serverless.Testing.Outbound;
using Xunit;

namespace Serverless.Mail.Tests.Spam;

/// <summary>Each signal against the loopback DNS server (or with no I/O at all), as the scorer calls it.</summary>
public sealed class SpamSignalTests : IDisposable
{
    private readonly TestDnsServer _dns = new() { NegativeTtl = 300 };
    private readonly DnsAnswers _answers;

    public SpamSignalTests()
    {
        _answers = new DnsAnswers(new MailDns([_dns.EndPoint]).Client, new NegativeAnswerCache(TimeSpan.FromSeconds(5), TimeSpan.FromHours(1), new FakeTimeProvider()));
    }

    public void Dispose() => _dns.Dispose();

    private static SpamOptions Options(params (string Key, string Value)[] settings) =>
        SpamOptions.Bind(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>("Mail:Spam:" + s.Key, s.Value))).Build());

    [Fact]
    public void Blocklist_names_reverse_ipv4_octets_and_ipv6_nibbles()
    {
        Assert.Equal("2.0.0.127", DnsblSignal.ReversedName(IPAddress.Parse("127.0.0.2")));
        Assert.Equal("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2", DnsblSignal.ReversedName(IPAddress.Parse("2001:db8::1")));
        Assert.Equal("10.2.0.192", DnsblSignal.ReversedName(IPAddress.Parse("::ffff:192.0.2.10")));
    }

    [Fact]
    public async Task A_listed_client_address_fires_its_zone_once_with_its_weight_and_only_for_counted_codes()
    {
        _dns.AddA("10.2.0.192.zen.test", "127.0.0.4");
        _dns.AddA("10.2.0.192.codes.test", "127.0.0.9");
        _dns.AddA("10.2.0.192.refused.test", "127.255.255.254"); // Spamhaus's "public resolver refused" answer is no listing
        _dns.AddA("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.test", "127.0.0.3");
        var options = Options(("Dnsbl:0:Zone", "zen.test"), ("Dnsbl:0:Name", "ZEN"), ("Dnsbl:0:Weight", "7.5"),
            ("Dnsbl:1:Zone", "codes.test"), ("Dnsbl:1:Codes", "127.0.0.2, 127.0.0.3"),
            ("Dnsbl:2:Zone", "refused.test"), ("Dnsbl:3:Zone", "clean.test"));
        var signal = new DnsblSignal(options, _answers);

        var tests = await signal.CheckAsync(new SpamConnection(IPAddress.Parse("192.0.2.10"), "mx.sender.test", "a@sender.test"), default);
        Assert.Equal([new SpamTest("ZEN", 7.5)], tests);
        Assert.Equal(1, _dns.QueriesFor("10.2.0.192.clean.test", ARSoft.Tools.Net.Dns.RecordType.A));
        Assert.Equal([new SpamTest("ZEN", 7.5)], await signal.CheckAsync(new SpamConnection(IPAddress.Parse("2001:db8::1"), null, "a@sender.test"), default));
    }

    [Fact]
    public async Task Domain_lists_are_asked_for_the_envelope_helo_and_from_domains()
    {
        _dns.AddA("bad.example.dbl.test", "127.0.1.2");
        _dns.AddA("spammer.example.dbl.test", "127.0.1.2");
        var options = Options(("Dnsbl:0:Zone", "dbl.test"), ("Dnsbl:0:Kind", "Domain"), ("Dnsbl:0:Weight", "4"));
        var signal = new DnsblSignal(options, _answers);

        Assert.Equal([new SpamTest("RHSBL_DBL", 4)], await signal.CheckAsync(new SpamConnection(IPAddress.Loopback, "mx.good.example", "x@bad.example"), default));
        Assert.Equal([new SpamTest("RHSBL_DBL", 4)], await signal.CheckAsync(new SpamConnection(IPAddress.Loopback, "Bad.Example.", "x@good.example"), default));
        Assert.Empty(await signal.CheckAsync(new SpamConnection(IPAddress.Loopback, "[127.0.0.1]", "x@good.example"), default));

        using var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("news@spammer.example"));
        var subject = new SpamSubject { Connection = new SpamConnection(IPAddress.Loopback, "mx.good.example", "x@good.example"), Message = message, Recipients = [] };
        Assert.Equal([new SpamTest("RHSBL_DBL", 4)], await signal.CheckAsync(subject, default));
    }

    [Fact]
    public async Task An_unreachable_blocklist_is_no_signal()
    {
        _dns.SetFailing("10.2.0.192.broken.test");
        var signal = new DnsblSignal(Options(("Dnsbl:0:Zone", "broken.test"), ("Dnsbl:0:Weight", "50")), _answers);
        Assert.Empty(await signal.CheckAsync(new SpamConnection(IPAddress.Parse("192.0.2.10"), null, "a@b.test"), default));
    }

    [Fact]
    public async Task Reverse_dns_must_exist_and_lead_back_to_the_client()
    {
        var signal = new ReverseDnsSignal(Options(), _answers);
        _dns.AddPtr("192.0.2.20", "mail.confirmed.test");
        _dns.AddA("mail.confirmed.test", "192.0.2.20");
        _dns.AddPtr("192.0.2.21", "mail.elsewhere.test");
        _dns.AddA("mail.elsewhere.test", "198.51.100.1");

        Assert.Empty(await signal.CheckAsync(new SpamConnection(IPAddress.Parse("192.0.2.20"), null, ""), default));
        Assert.Equal([new SpamTest("RDNS_NOT_CONFIRMED", 1)], await signal.CheckAsync(new SpamConnection(IPAddress.Parse("192.0.2.21"), null, ""), default));
        Assert.Equal([new SpamTest("RDNS_NONE", 1.5)], await signal.CheckAsync(new SpamConnection(IPAddress.Parse("192.0.2.22"), null, ""), default));
    }

    [Theory]
    [InlineData("mail.sender.test", "192.0.2.1", null)]
    [InlineData("[192.0.2.1]", "192.0.2.1", null)]
    [InlineData("[192.0.2.99]", "192.0.2.1", "HELO_IP_MISMATCH")]
    [InlineData("[IPv6:2001:db8::2]", "2001:db8::1", "HELO_IP_MISMATCH")]
    [InlineData("desktop", "192.0.2.1", "HELO_BARE")]
    [InlineData("mx.ours.test", "192.0.2.1", "HELO_OURS")]
    [InlineData("localhost", "192.0.2.1", "HELO_LOCALHOST")]
    [InlineData("localhost", "127.0.0.1", null)]
    public void Helo_names_that_no_honest_server_uses_fire(string helo, string client, string? expected)
    {
        var signal = new HeloSignal(Options(), new DeliveryOptions { HostName = "mx.ours.test" });
        var tests = signal.Check(helo, IPAddress.Parse(client));
        Assert.Equal(expected, tests.SingleOrDefault()?.Name);
    }

    [Fact]
    public void Authentication_results_score_failures_up_and_passes_down_and_weights_are_configurable()
    {
        var signal = new AuthenticationSignal(Options(("Weights:SPF_FAIL", "4.5"), ("Weights:DKIM_VALID", "0")));
        var failing = new AuthenticationVerdict("", true, SpfResult.Fail, [new DkimSignatureResult("fail", "x.test", "s", null)], new DmarcResult("fail", "reject", "x.test"));
        Assert.Equal(["SPF_FAIL=4.5", "DKIM_INVALID=1", "DMARC_FAIL_QUARANTINE=5"], signal.Check(failing).Select(t => t.ToString()));
        var passing = new AuthenticationVerdict("", false, SpfResult.Pass, [new DkimSignatureResult("pass", "x.test", "s", null)], new DmarcResult("pass", "none", "x.test"), "pass");
        Assert.Equal(["SPF_PASS=-0.5", "DMARC_PASS=-1", "ARC_VALID=-0.5"], signal.Check(passing).Select(t => t.ToString()));
    }

    [Fact]
    public async Task The_content_classifiers_probability_becomes_a_bayes_band_and_none_registered_is_no_signal()
    {
        using var message = new MimeMessage();
        var subject = new SpamSubject
        {
            Connection = new SpamConnection(IPAddress.Loopback, "x.test", "a@x.test"),
            Message = message,
            Recipients = [new SpamRecipient("u@acme.test", "acme", ["mbx1"])],
        };
        var classifier = new FixedClassifier(0.9995);
        var tests = await new ContentSignal(Options(), [classifier], NullLogger<ContentSignal>.Instance).CheckAsync(subject, default);
        Assert.Equal([new SpamTest("BAYES_999", 4.5)], tests);
        Assert.Equal(("acme", "mbx1"), Assert.Single(classifier.Asked)); // one mailbox: its own learning counts
        Assert.Equal("BAYES_00", ContentSignal.Band(0.001).Name);
        Assert.Equal("BAYES_50", ContentSignal.Band(0.5).Name);
        Assert.Empty(await new ContentSignal(Options(), [], NullLogger<ContentSignal>.Instance).CheckAsync(subject, default));
        Assert.Empty(await new ContentSignal(Options(), [new FixedClassifier(0.99, tokens: 0)], NullLogger<ContentSignal>.Instance).CheckAsync(subject, default));
    }

    [Theory]
    [InlineData(0.9995, 199, 500, "BAYES_999", 4.5)] // one class short of the minimum: SpamAssassin's weights
    [InlineData(0.9995, 200, 200, "BAYES_999", 5.5)] // trained: a confident verdict files into Junk alone
    [InlineData(0.995, 200, 200, "BAYES_99", 5.0)]
    [InlineData(0.97, 200, 200, "BAYES_95", 4.0)]
    [InlineData(0.9, 200, 200, "BAYES_80", 3.5)] // trained: p >= 0.84 and one more signal of 1.5 (e.g. RDNS_NONE) reach the junk score
    [InlineData(0.84, 200, 200, "BAYES_80", 3.5)]
    [InlineData(0.83, 200, 200, "BAYES_60", 1.5)] // below the line: not Junk with one more signal of 1.5
    [InlineData(0.9, 199, 200, "BAYES_80", 2.0)]
    [InlineData(0.001, 200, 200, "BAYES_00", -2.5)]
    public async Task The_bands_carry_their_trained_weights_once_the_models_learnt_enough_of_both(double probability, int spam, int ham, string band, double weight)
    {
        using var message = new MimeMessage();
        var subject = new SpamSubject
        {
            Connection = new SpamConnection(IPAddress.Loopback, "x.test", "a@x.test"),
            Message = message,
            Recipients = [new SpamRecipient("u@acme.test", "acme", ["mbx1"])],
        };
        var classifier = new FixedClassifier(probability, spamLearnt: spam, hamLearnt: ham);
        var tests = await new ContentSignal(Options(), [classifier], NullLogger<ContentSignal>.Instance).CheckAsync(subject, default);
        Assert.Equal([new SpamTest(band, weight)], tests);
    }

    [Fact]
    public void The_headers_say_score_required_and_the_tests_folded()
    {
        var many = Enumerable.Range(0, 12).Select(i => new SpamTest($"SOME_LONG_TEST_{i:00}", 1)).ToList();
        var verdict = new SpamVerdict(12, 5, many, new Dictionary<string, SpamAction> { ["acme"] = SpamAction.Junk }) { Spam = true };
        var text = System.Text.Encoding.ASCII.GetString(verdict.Header);
        Assert.StartsWith("X-Spam-Score: 12.0\r\nX-Spam-Status: Yes, score=12.0 required=5.0 tests=SOME_LONG_TEST_00,", text, StringComparison.Ordinal);
        Assert.All(text.Split("\r\n"), line => Assert.True(line.Length <= 78, line));
        Assert.Contains("\r\n\tSOME_LONG_TEST_", text, StringComparison.Ordinal);
        var clean = new SpamVerdict(-1, 5, [], new Dictionary<string, SpamAction>());
        Assert.Equal("X-Spam-Score: -1.0\r\nX-Spam-Status: No, score=-1.0 required=5.0 tests=none\r\n", System.Text.Encoding.ASCII.GetString(clean.Header));
    }
}
