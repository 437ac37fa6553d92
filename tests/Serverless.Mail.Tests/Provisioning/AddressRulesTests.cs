using Serverless.Mail.Provisioning.Dns;
using Serverless.Mail.Provisioning.Dkim;
using Serverless.Mail.Provisioning;
using Serverless.Mail.Provisioning.Validation;
using Xunit;

namespace Serverless.Mail.Tests.Provisioning;

public sealed class AddressRulesTests
{
    [Theory]
    [InlineData("user@example.com", "user", "example.com")]
    [InlineData("First.Last@Example.COM", "first.last", "example.com")]
    [InlineData("a+tag@example.com", "a+tag", "example.com")]
    [InlineData("δοκιμή@παράδειγμα.δοκιμή", "δοκιμή", "xn--hxajbheg2az3al.xn--jxalpdlp")]
    [InlineData("用户@例子.广告", "用户", "xn--fsqu00a.xn--4rr70v")]
    [InlineData("!#$%&'*+-/=?^_`{|}~@example.com", "!#$%&'*+-/=?^_`{|}~", "example.com")]
    public void Hosted_addresses_are_accepted_and_normalised(string text, string local, string domain)
    {
        Assert.True(AddressRules.TryParseHosted(text, out var a, out var error), error);
        Assert.Equal((local, domain), (a.LocalPart, a.Domain));
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("@example.com")]
    [InlineData("user@")]
    [InlineData(".user@example.com")]
    [InlineData("user.@example.com")]
    [InlineData("us..er@example.com")]
    [InlineData("us er@example.com")]
    [InlineData("us(er@example.com")]
    [InlineData("us\"er@example.com")]
    [InlineData("\"quoted\"@example.com")]
    [InlineData("user@[192.0.2.1]")]
    [InlineData("user@example")]
    [InlineData("user@exa_mple.com")]
    [InlineData("user@-example.com")]
    [InlineData("user@example.123")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com")] // 65 octets
    [InlineData("ääääääääääääääääääääääääääääääääa@example.com")] // 33 characters, 65 octets
    public void Bad_hosted_addresses_are_refused(string text) => Assert.False(AddressRules.TryParseHosted(text, out _, out _));

    [Theory]
    [InlineData("\"John Smith\"@Example.COM", "\"John Smith\"@example.com")]
    [InlineData("\"a\\\"b\"@example.com", "\"a\\\"b\"@example.com")]
    [InlineData("Mixed.Case@Example.com", "Mixed.Case@example.com")]
    public void Targets_may_be_quoted_and_keep_their_local_part(string text, string stored)
    {
        Assert.True(AddressRules.TryParseTarget(text, out var normalized, out _, out var error), error);
        Assert.Equal(stored, normalized);
    }

    [Theory]
    [InlineData("acme", true)]
    [InlineData("a-1", true)]
    [InlineData("ab", false)]
    [InlineData("Acme", false)]
    [InlineData("-acme", false)]
    [InlineData("acme-", false)]
    [InlineData("ac_me", false)]
    [InlineData("acme\n", false)]
    public void Tenant_ids(string id, bool valid) => Assert.Equal(valid, TenantIdRules.IsValid(id));

    [Fact]
    public void Tenant_ids_may_be_63_characters_but_not_64()
    {
        Assert.True(TenantIdRules.IsValid(new string('a', 63)));
        Assert.False(TenantIdRules.IsValid(new string('a', 64)));
    }

    [Fact]
    public void Dns_records_follow_the_options_and_publish_the_dkim_key()
    {
        var options = new ProvisioningOptions
        {
            MailHost = "mx.example.net.",
            SpfMechanisms = "mx include:relay.example",
            DmarcPolicy = "reject",
            MtaStsPolicyHost = "mta-sts.example.net",
        };
        var key = DkimKey.Generate("example.org", "sel1");
        var records = new DomainDnsRecords(options).For("example.org", key, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        Assert.Equal(
        [
            new DnsRecord("MX", "example.org", "10 mx.example.net."),
            new DnsRecord("TXT", "example.org", "v=spf1 mx include:relay.example ~all"),
            new DnsRecord("TXT", "sel1._domainkey.example.org", "v=DKIM1; k=rsa; p=" + key.PublicKeyBase64),
            new DnsRecord("TXT", "_dmarc.example.org", "v=DMARC1; p=reject; rua=mailto:postmaster@example.org; adkim=r; aspf=r"),
            new DnsRecord("TXT", "_mta-sts.example.org", "v=STSv1; id=20260102030405"),
            new DnsRecord("TXT", "_smtp._tls.example.org", "v=TLSRPTv1; rua=mailto:postmaster@example.org"),
            new DnsRecord("CNAME", "mta-sts.example.org", "mta-sts.example.net."),
            new DnsRecord("CNAME", "autoconfig.example.org", "mta-sts.example.net."),
            new DnsRecord("CNAME", "autodiscover.example.org", "mta-sts.example.net."),
            new DnsRecord("SRV", "_submissions._tcp.example.org", "0 1 465 mx.example.net."),
            new DnsRecord("SRV", "_imaps._tcp.example.org", "0 1 993 mx.example.net."),
            new DnsRecord("SRV", "_pop3s._tcp.example.org", "0 1 995 mx.example.net."),
            new DnsRecord("SRV", "_submission._tcp.example.org", "10 1 587 mx.example.net."),
            new DnsRecord("SRV", "_imap._tcp.example.org", "10 1 143 mx.example.net."),
            new DnsRecord("SRV", "_pop3._tcp.example.org", "10 1 110 mx.example.net."),
        ], records);
        Assert.Equal("version: STSv1\r\nmode: testing\r\nmx: mx.example.net\r\nmax_age: 604800\r\n", new DomainDnsRecords(options).MtaStsPolicy());
        // The client host and web host are their own settings; a service switched off (port 0) is published as not offered (RFC 6186 3.4).
        options.ClientHost = "mail.example.net";
        options.WebHost = "web.example.net";
        options.ClientPorts.Pop3 = 0;
        var split = new DomainDnsRecords(options).For("example.org", null, DateTimeOffset.UnixEpoch);
        Assert.Contains(new DnsRecord("CNAME", "autoconfig.example.org", "web.example.net."), split);
        Assert.Contains(new DnsRecord("SRV", "_imaps._tcp.example.org", "0 1 993 mail.example.net."), split);
        Assert.Contains(new DnsRecord("SRV", "_pop3._tcp.example.org", "0 0 0 ."), split);
        // A 2048-bit key: 294 bytes of SubjectPublicKeyInfo.
        Assert.Equal(294, Convert.FromBase64String(key.PublicKeyBase64).Length);
    }
}
