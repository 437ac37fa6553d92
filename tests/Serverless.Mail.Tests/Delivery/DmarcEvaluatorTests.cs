using System.Reflection;
using DnsClient;
using MimeKit;
using Serverless.Mail.Delivery;
using Serverless.Mail.Delivery.Authentication;
using Serverless.Mail.Outbound;
using Serverless.Testing.Outbound;
using Xunit;

namespace Serverless.Mail.Tests.Delivery;

public sealed class DmarcEvaluatorTests : IDisposable
{
    private readonly TestDnsServer _dns = new();
    private readonly MessageAuthenticator _authenticator;

    public DmarcEvaluatorTests()
    {
        _authenticator = Authenticator(new MailDns([_dns.EndPoint]).Client);
    }

    private static MessageAuthenticator Authenticator(ILookupClient client)
    {
        var answers = new DnsAnswers(client);
        return new MessageAuthenticator(new SpfEvaluator(answers), new DkimChecker(answers), new DmarcEvaluator(answers), new DeliveryOptions { HostName = "mx.test" });
    }

    [Theory]
    [InlineData("mail.example.com", "example.com")]
    [InlineData("example.com", "example.com")]
    [InlineData("a.b.example.co.uk", "example.co.uk")]
    [InlineData("x.example.de", "example.de")]
    [InlineData("info.bmw.de", "bmw.de")]                 // the old heuristic kept info.bmw.de
    [InlineData("alice.github.io", "alice.github.io")]    // a private-section suffix: each user is an organisation
    [InlineData("www.bob.github.io", "bob.github.io")]
    [InlineData("shop.example.com.au", "example.com.au")]
    [InlineData("a.b.c.kawasaki.jp", "b.c.kawasaki.jp")]  // wildcard rule *.kawasaki.jp
    [InlineData("www.city.kawasaki.jp", "city.kawasaki.jp")] // exception !city.kawasaki.jp
    [InlineData("co.uk", "co.uk")]                        // a public suffix is its own
    [InlineData("Mail.Example.COM.", "example.com")]
    [InlineData("host.unknowntld", "host.unknowntld")]    // no rule: the implicit "*"
    [InlineData("xn--fiqs8s", "xn--fiqs8s")]              // 中国, a Unicode rule kept as its A-label
    [InlineData("shop.example.xn--fiqs8s", "example.xn--fiqs8s")]
    public void The_organisational_domain_comes_from_the_public_suffix_list(string domain, string expected) =>
        Assert.Equal(expected, DmarcEvaluator.OrganizationalDomain(domain));

    [Fact]
    public void The_shipped_list_has_both_sections()
    {
        Assert.True(PublicSuffixList.Default.Count > 9000);
        Assert.Equal("github.io", PublicSuffixList.Default.PublicSuffix("alice.github.io"));
        Assert.Equal("de", PublicSuffixList.Default.PublicSuffix("info.bmw.de"));
    }

    [Fact]
    public async Task A_subdomain_aligns_with_its_organisation_under_relaxed_alignment()
    {
        _dns.AddTxt("_dmarc.bmw.de", "v=DMARC1; p=reject");
        var verdict = await _authenticator.CheckAsync(Message("From: <news@info.bmw.de>"), "bounce@bmw.de", "mx.bmw.de", SpfResult.Pass);
        Assert.Equal("pass", verdict.Dmarc.Result);
        Assert.False(verdict.Junk);
    }

    [Fact]
    public async Task Two_users_of_one_hosting_suffix_do_not_align()
    {
        _dns.AddTxt("_dmarc.alice.github.io", "v=DMARC1; p=reject");
        var verdict = await _authenticator.CheckAsync(Message("From: <alice@alice.github.io>"), "bounce@bob.github.io", "bob.github.io", SpfResult.Pass);
        Assert.Equal(("fail", "reject"), (verdict.Dmarc.Result, verdict.Dmarc.Policy));
        Assert.True(verdict.Junk);
    }

    [Fact]
    public async Task Several_mailboxes_in_from_fail_under_the_strictest_published_policy()
    {
        _dns.AddTxt("_dmarc.bank.example", "v=DMARC1; p=reject");
        _dns.AddTxt("_dmarc.relaxed.example", "v=DMARC1; p=none");
        var verdict = await _authenticator.CheckAsync(Message("From: <me@relaxed.example>, <ceo@bank.example>"), "me@relaxed.example", "relaxed.example", SpfResult.Pass);
        Assert.Equal(("fail", "reject", "bank.example"), (verdict.Dmarc.Result, verdict.Dmarc.Policy, verdict.Dmarc.FromDomain));
        Assert.True(verdict.Junk);
        Assert.Contains("dmarc=fail (p=reject) header.from=bank.example", verdict.Header, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_from_fields_fail_even_when_each_would_pass()
    {
        _dns.AddTxt("_dmarc.relaxed.example", "v=DMARC1; p=quarantine");
        var verdict = await _authenticator.CheckAsync(Message("From: <me@relaxed.example>\r\nFrom: <me@relaxed.example>"), "me@relaxed.example", "relaxed.example", SpfResult.Pass);
        Assert.Equal(("fail", "quarantine"), (verdict.Dmarc.Result, verdict.Dmarc.Policy));
        Assert.True(verdict.Junk);
    }

    [Fact]
    public async Task A_message_without_an_author_fails_with_no_policy_to_apply()
    {
        var verdict = await _authenticator.CheckAsync(Message("To: <x@here.example>"), "me@relaxed.example", "relaxed.example", SpfResult.Pass);
        Assert.Equal(("fail", (string?)null), (verdict.Dmarc.Result, verdict.Dmarc.Policy));
        Assert.False(verdict.Junk);
    }

    [Fact]
    public async Task A_check_that_throws_says_temperror_instead_of_nothing()
    {
        var broken = Authenticator(DispatchProxy.Create<ILookupClient, ThrowingLookup>());
        var message = Message("From: <me@relaxed.example>");
        // A real signature, so verifying it needs the key from DNS (a wrong body hash fails without asking).
        Serverless.Mail.Provisioning.Dkim.DkimKey.Generate("relaxed.example", "s1").CreateSigner()
            .Sign(message, Serverless.Mail.Provisioning.Dkim.DkimKey.RecommendedHeaders);
        var verdict = await broken.CheckAsync(message, "me@relaxed.example", "relaxed.example", SpfResult.Pass);
        Assert.Equal("temperror", verdict.Dmarc.Result);
        Assert.Equal("temperror", Assert.Single(verdict.Dkim).Result);
        Assert.Contains("dkim=temperror", verdict.Header, StringComparison.Ordinal);
        Assert.Contains("dmarc=temperror", verdict.Header, StringComparison.Ordinal);
    }

    /// <summary>A resolver that fails in a way no check expects.</summary>
    public class ThrowingLookup : DispatchProxy
    {
        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            throw new HttpRequestException("resolver broke");
    }

    private static MimeMessage Message(string headers)
    {
        var raw = headers + "\r\nSubject: hi\r\nMessage-ID: <1@x>\r\n\r\nbody\r\n";
        return MimeMessage.Load(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(raw)));
    }

    public void Dispose() => _dns.Dispose();
}
