using ARSoft.Tools.Net.Dns;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Serverless.Mail.Delivery.Authentication;
using Serverless.Testing.Raw;
using Xunit;

namespace Serverless.Listeners.Tests.Smtp;

/// <summary>
/// The MX asks DNS once per sender domain, not once per message: negative answers are cached for
/// the zone's SOA minimum, and the envelope domain's DMARC lookups start at MAIL FROM.
/// </summary>
public sealed class SmtpDnsCachingTests : IAsyncLifetime
{
    private SmtpTestKit _kit = null!;

    public async Task InitializeAsync()
    {
        _kit = await SmtpTestKit.StartAsync();
        _kit.Dns.NegativeTtl = 300;
    }

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    [Fact]
    public async Task A_second_message_from_a_domain_without_SPF_or_DMARC_records_makes_no_DNS_query()
    {
        await SendAsync("news@nopolicy.example", "first");
        var negatives = _kit.Host.Services.GetRequiredService<NegativeAnswerCache>();
        // The warm-up started at MAIL FROM may answer after the 250: wait until everything asked is known.
        await UntilAsync(() => negatives.KnownEmpty("nopolicy.example", DnsClient.QueryType.TXT)
            && negatives.KnownEmpty("_dmarc.nopolicy.example", DnsClient.QueryType.TXT));
        var before = _kit.Dns.Queries;

        await SendAsync("other@nopolicy.example", "second");
        Assert.Equal(before, _kit.Dns.Queries);
        Assert.Equal(2, (await _kit.WaitForInboundAsync(2)).Count);
    }

    [Fact]
    public async Task The_envelope_domains_DMARC_record_is_looked_up_at_MAIL_FROM_before_DATA()
    {
        await using var wire = await SmtpWire.ConnectAsync(_kit.Host.Ports.Smtp);
        Assert.Equal(250, (await wire.CommandAsync("EHLO client.example")).Code);
        Assert.Equal(250, (await wire.CommandAsync("MAIL FROM:<a@early.example>")).Code);
        await UntilAsync(() => _kit.Dns.QueriesFor("_dmarc.early.example", RecordType.Txt) == 1
            && _kit.Dns.QueriesFor("early.example", RecordType.Txt) == 1);
        Assert.Equal(221, (await wire.CommandAsync("QUIT")).Code);
    }

    private async Task SendAsync(string from, string subject)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse("user@example.com"));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "Body.\r\n" };
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", _kit.Host.Ports.Smtp, SecureSocketOptions.None);
        await client.SendAsync(message);
        await client.DisconnectAsync(true);
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(20);
        }
    }
}
