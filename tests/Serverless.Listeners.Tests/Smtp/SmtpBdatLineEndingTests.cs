using System.Text;
using Serverless.Listeners.Connections;
using Xunit;

namespace Serverless.Listeners.Tests.Smtp;

/// <summary>
/// BDAT chunks obey DATA's bare CR/LF rule, so "&lt;CR&gt;.&lt;CR&gt;&lt;LF&gt;" cannot be smuggled
/// through submission to the relay (which sends with DATA): same answer as DATA (521 5.5.2, the
/// session closes) and nothing is queued.
/// </summary>
public sealed class SmtpBdatLineEndingTests
{
    [Fact]
    public async Task A_bare_cr_split_across_chunks_on_submission_is_refused_and_nothing_is_queued()
    {
        await using var kit = await SmtpTestKit.StartAsync();
        await using var wire = await SmtpWire.ConnectAsync(kit.Host.Ports.Submissions, tls: true);
        await wire.CommandAsync("EHLO client.test");
        Assert.Equal(235, (await wire.CommandAsync("AUTH PLAIN " + Plain("user@example.com", SmtpTestKit.Password))).Code);
        Assert.Equal(250, (await wire.CommandAsync("MAIL FROM:<user@example.com>")).Code);
        Assert.Equal(250, (await wire.CommandAsync("RCPT TO:<friend@remote.example>")).Code);
        var first = "From: user@example.com\r\nSubject: hi\r\n\r\nfirst message\r";
        await wire.SendAsync($"BDAT {first.Length}\r\n{first}");
        Assert.Equal(250, (await wire.ReadReplyAsync()).Code); // a CR may still be the start of a CRLF
        var second = ".\r\nMAIL FROM:<ceo@example.com>\r\n";
        await wire.SendAsync($"BDAT {second.Length} LAST\r\n{second}");
        var refused = await wire.ReadReplyAsync();
        Assert.Equal((521, "5.5.2"), (refused.Code, refused.Enhanced));
        Assert.True(await wire.IsClosedAsync());
        Assert.Empty(await kit.OutboundAsync());
        Assert.Empty(await kit.InboundAsync());
        Assert.Equal(0, await kit.BlobCountAsync());
    }

    [Fact]
    public async Task A_bare_lf_in_one_chunk_is_refused_like_data_and_a_crlf_split_across_chunks_is_fine()
    {
        await using var kit = await SmtpTestKit.StartAsync();
        await using (var wire = await SmtpWire.ConnectAsync(kit.Host.Ports.Smtp))
        {
            await wire.CommandAsync("EHLO client.test");
            await wire.CommandAsync("MAIL FROM:<a@remote.example>");
            await wire.CommandAsync("RCPT TO:<user@example.com>");
            var body = "Subject: x\r\n\r\nfirst\n.\nsecond\r\n";
            await wire.SendAsync($"BDAT {body.Length} LAST\r\n{body}");
            var refused = await wire.ReadReplyAsync();
            Assert.Equal((521, "5.5.2"), (refused.Code, refused.Enhanced));
            Assert.True(await wire.IsClosedAsync());
        }
        Assert.Empty(await kit.InboundAsync());

        await using (var wire = await SmtpWire.ConnectAsync(kit.Host.Ports.Smtp))
        {
            await wire.CommandAsync("EHLO client.test");
            await wire.CommandAsync("MAIL FROM:<a@remote.example>");
            await wire.CommandAsync("RCPT TO:<user@example.com>");
            await wire.SendAsync("BDAT 11\r\nSubject: x\r");
            Assert.Equal(250, (await wire.ReadReplyAsync()).Code);
            await wire.SendAsync("BDAT 9 LAST\r\n\n\r\nbody\r\n");
            Assert.Equal(250, (await wire.ReadReplyAsync()).Code);
        }
        var handoff = Assert.Single(await kit.InboundAsync());
        Assert.EndsWith("\r\nSubject: x\r\n\r\nbody\r\n", Encoding.UTF8.GetString(await kit.StoredAsync(handoff)), StringComparison.Ordinal);
    }

    private static string Plain(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));
}
