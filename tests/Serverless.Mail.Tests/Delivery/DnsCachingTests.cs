using ARSoft.Tools.Net.Dns;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;
using Serverless.Mail.Delivery.Authentication;
using Serverless.Mail.Outbound;
using Serverless.Testing.Outbound;
using Xunit;

namespace Serverless.Mail.Tests.Delivery;

/// <summary>
/// Answers are cached per process: positive ones by DnsClient for their TTL, negative ones
/// (NXDOMAIN, NODATA) by <see cref="NegativeAnswerCache"/> for the SOA's MINIMUM (RFC 2308), bounded.
/// </summary>
public sealed class DnsCachingTests : IDisposable
{
    private readonly TestDnsServer _dns = new() { NegativeTtl = 30 };
    private readonly FakeTimeProvider _time = new();
    private readonly MailDns _client;

    public DnsCachingTests()
    {
        _client = new MailDns([_dns.EndPoint]);
        _dns.AddA("host.example", "192.0.2.1");
    }

    private DnsAnswers Answers(TimeSpan? minimum = null, TimeSpan? maximum = null) =>
        new(_client.Client, new NegativeAnswerCache(minimum ?? TimeSpan.FromSeconds(5), maximum ?? TimeSpan.FromHours(1), _time));

    [Fact]
    public async Task DnsClient_alone_asks_again_for_a_negative_answer_so_its_cache_is_not_enough()
    {
        var plain = new DnsAnswers(_client.Client);
        Assert.Empty(await plain.TxtAsync("nothing.example", default));
        Assert.Empty(await plain.TxtAsync("nothing.example", default));
        Assert.Equal(2, _dns.QueriesFor("nothing.example", RecordType.Txt));
    }

    [Fact]
    public async Task NXDOMAIN_is_cached_for_the_SOA_minimum_and_asked_again_after_it()
    {
        var answers = Answers();
        Assert.Empty(await answers.TxtAsync("nothing.example", default));
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(await answers.TxtAsync("_dmarc.NOTHING.example.", default));
        Assert.Empty(await answers.TxtAsync("nothing.example", default));
        Assert.Equal(1, _dns.QueriesFor("nothing.example", RecordType.Txt));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Empty(await answers.TxtAsync("nothing.example", default));
        Assert.Equal(2, _dns.QueriesFor("nothing.example", RecordType.Txt));
    }

    [Fact]
    public async Task NODATA_is_cached_per_name_and_type()
    {
        var answers = Answers();
        Assert.Empty(await answers.TxtAsync("host.example", default));
        Assert.Empty(await answers.TxtAsync("host.example", default));
        Assert.Equal(1, _dns.QueriesFor("host.example", RecordType.Txt));
        Assert.Single(await answers.AddressesAsync("host.example", ipv6: false, default)); // another type: its own answer
        Assert.Equal(1, _dns.QueriesFor("host.example", RecordType.A));
    }

    [Fact]
    public async Task Negative_lifetimes_are_bounded_and_an_answer_without_SOA_is_not_cached()
    {
        _dns.NegativeTtl = 1;
        var answers = Answers(minimum: TimeSpan.FromSeconds(5), maximum: TimeSpan.FromMinutes(10));
        await answers.TxtAsync("short.example", default);
        _time.Advance(TimeSpan.FromSeconds(4));
        await answers.TxtAsync("short.example", default);
        Assert.Equal(1, _dns.QueriesFor("short.example", RecordType.Txt)); // 1 s raised to the 5 s floor

        _dns.NegativeTtl = 86400;
        await answers.TxtAsync("long.example", default);
        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        await answers.TxtAsync("long.example", default);
        Assert.Equal(2, _dns.QueriesFor("long.example", RecordType.Txt)); // a day cut to the 10 min ceiling

        _dns.NegativeTtl = null;
        await answers.TxtAsync("nosoa.example", default);
        await answers.TxtAsync("nosoa.example", default);
        Assert.Equal(2, _dns.QueriesFor("nosoa.example", RecordType.Txt));
    }

    [Fact]
    public async Task A_SERVFAIL_is_not_cached()
    {
        _dns.SetFailing("broken.example");
        var answers = Answers();
        await Assert.ThrowsAsync<DnsTemporaryException>(() => answers.TxtAsync("broken.example", default));
        await Assert.ThrowsAsync<DnsTemporaryException>(() => answers.TxtAsync("broken.example", default));
        Assert.True(_dns.QueriesFor("broken.example", RecordType.Txt) >= 2);
    }

    [Fact]
    public async Task A_positive_answer_is_cached_for_its_TTL_and_asked_again_when_it_expired()
    {
        _dns.AddTxt("policy.example", "v=spf1 -all", ttl: 1);
        var answers = Answers();
        Assert.Single(await answers.TxtAsync("policy.example", default));
        Assert.Single(await answers.TxtAsync("policy.example", default));
        Assert.Equal(1, _dns.QueriesFor("policy.example", RecordType.Txt));
        await Task.Delay(TimeSpan.FromMilliseconds(1100)); // DnsClient's cache runs on the real clock: let the 1 s TTL pass
        Assert.Single(await answers.TxtAsync("policy.example", default));
        Assert.Equal(2, _dns.QueriesFor("policy.example", RecordType.Txt));
    }

    [Fact]
    public void The_bounds_come_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [NegativeAnswerCache.MinimumKey] = "00:00:10",
            [NegativeAnswerCache.MaximumKey] = "00:30:00",
        }).Build();
        var cache = NegativeAnswerCache.Bind(configuration);
        Assert.Equal(TimeSpan.FromSeconds(10), cache.Minimum);
        Assert.Equal(TimeSpan.FromMinutes(30), cache.Maximum);
        Assert.Equal(TimeSpan.FromHours(1), NegativeAnswerCache.Bind(new ConfigurationBuilder().Build()).Maximum);
    }

    public void Dispose() => _dns.Dispose();
}
