using System.Net;
using Serverless.Mail.Delivery.Authentication;
using Serverless.Mail.Outbound;
using Serverless.Testing.Outbound;
using Xunit;

namespace Serverless.Mail.Tests.Delivery;

public sealed class SpfEvaluatorTests : IDisposable
{
    private readonly TestDnsServer _dns = new();
    private readonly SpfEvaluator _spf;

    public SpfEvaluatorTests()
    {
        _spf = new SpfEvaluator(new DnsAnswers(new MailDns([_dns.EndPoint]).Client));
        _dns.AddTxt("pass.example", "v=spf1 ip4:192.0.2.0/24 -all");
        _dns.AddTxt("soft.example", "v=spf1 ~all");
        _dns.AddTxt("neutral.example", "v=spf1 ?all");
        _dns.AddTxt("inc.example", "v=spf1 include:pass.example -all");
        _dns.AddTxt("redir.example", "v=spf1 redirect=pass.example");
        _dns.AddTxt("mx.example", "v=spf1 mx a:host.mx.example -all");
        _dns.AddMx("mx.example", 10, "in.mx.example");
        _dns.AddA("in.mx.example", "198.51.100.25");
        _dns.AddA("host.mx.example", "198.51.100.26");
        _dns.AddTxt("v6.example", "v=spf1 ip6:2001:db8::/32 -all");
        _dns.AddTxt("exists.example", "v=spf1 exists:%{ir}.%{l}._spf.%{d} -all");
        _dns.AddA("7.2.0.192.alice._spf.exists.example", "127.0.0.2");
        _dns.AddTxt("two.example", "v=spf1 -all");
        _dns.AddTxt("two.example", "v=spf1 +all");
        _dns.AddTxt("void.example", "v=spf1 a:nx1.example a:nx2.example a:nx3.example -all");
        _dns.AddTxt("loop.example", "v=spf1 include:loop.example -all");
        _dns.AddTxt("bad.example", "v=spf1 foo:bar -all");
        _dns.AddTxt("other.example", "some unrelated text");
        _dns.SetFailing("broken.example");
    }

    [Theory]
    [InlineData("192.0.2.7", "a@pass.example", SpfResult.Pass)]
    [InlineData("203.0.113.1", "a@pass.example", SpfResult.Fail)]
    [InlineData("203.0.113.1", "a@soft.example", SpfResult.SoftFail)]
    [InlineData("203.0.113.1", "a@neutral.example", SpfResult.Neutral)]
    [InlineData("192.0.2.7", "a@inc.example", SpfResult.Pass)]
    [InlineData("203.0.113.1", "a@inc.example", SpfResult.Fail)]
    [InlineData("192.0.2.7", "a@redir.example", SpfResult.Pass)]
    [InlineData("198.51.100.25", "a@mx.example", SpfResult.Pass)]
    [InlineData("198.51.100.26", "a@mx.example", SpfResult.Pass)]
    [InlineData("198.51.100.27", "a@mx.example", SpfResult.Fail)]
    [InlineData("2001:db8::5", "a@v6.example", SpfResult.Pass)]
    [InlineData("2001:db9::5", "a@v6.example", SpfResult.Fail)]
    [InlineData("192.0.2.7", "alice@exists.example", SpfResult.Pass)]
    [InlineData("192.0.2.8", "alice@exists.example", SpfResult.Fail)]
    [InlineData("192.0.2.7", "a@two.example", SpfResult.PermError)]
    [InlineData("192.0.2.7", "a@void.example", SpfResult.PermError)]
    [InlineData("192.0.2.7", "a@loop.example", SpfResult.PermError)]
    [InlineData("192.0.2.7", "a@bad.example", SpfResult.PermError)]
    [InlineData("192.0.2.7", "a@other.example", SpfResult.None)]
    [InlineData("192.0.2.7", "a@nowhere.example", SpfResult.None)]
    [InlineData("192.0.2.7", "a@broken.example", SpfResult.TempError)]
    public async Task Check_host_follows_rfc_7208(string ip, string sender, SpfResult expected) =>
        Assert.Equal(expected, await _spf.CheckAsync(IPAddress.Parse(ip), sender, "helo.example"));

    [Fact]
    public async Task The_null_sender_is_checked_against_the_helo_name()
    {
        Assert.Equal(SpfResult.Pass, await _spf.CheckAsync(IPAddress.Parse("192.0.2.9"), "pass.example", "pass.example"));
        Assert.Equal(SpfResult.Fail, await _spf.CheckAsync(IPAddress.Parse("::ffff:203.0.113.9"), "pass.example", "pass.example"));
    }

    public void Dispose() => _dns.Dispose();
}
