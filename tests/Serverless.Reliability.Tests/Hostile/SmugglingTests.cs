using Serverless.Reliability.Tests.Infrastructure;
using Xunit;

namespace Serverless.Reliability.Tests.Hostile;

/// <summary>
/// SMTP smuggling (a second message hidden behind an end-of-data that this server and a relay read
/// differently) and STARTTLS command injection (plaintext commands pipelined behind STARTTLS/STLS
/// and run inside the TLS session) on all three protocols.
/// </summary>
public sealed class SmugglingTests : IAsyncLifetime
{
    private MailStack _stack = null!;

    public async Task InitializeAsync() => _stack = await MailStack.StartAsync();

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Theory]
    [InlineData("\n.\n")]
    [InlineData("\n.\r\n")]
    [InlineData("\r\n.\n")]
    [InlineData("\r.\r\n")]
    [InlineData("\r\n.\r")]
    [InlineData("\r\n\0.\r\n")]
    public async Task A_smuggled_end_of_data_ends_the_session_and_nothing_is_taken(string fakeEnd)
    {
        await using var wire = await Wire.ConnectAsync(_stack.SmtpPort);
        await wire.SmtpReplyAsync();
        await wire.SmtpAsync("EHLO client.reliability.test");
        await wire.SmtpAsync("MAIL FROM:<a@client.reliability.test>");
        await wire.SmtpAsync("RCPT TO:<alice@acme.test>");
        Assert.Equal(354, (await wire.SmtpAsync("DATA"))?.Code);
        await wire.SendAsync("Subject: cover\r\n\r\nhello" + fakeEnd +
            "MAIL FROM:<ceo@acme.test>\r\nRCPT TO:<bob@acme.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nwire the money\r\n.\r\n");
        // The server's verdict on what it read: a bare CR/LF ends the session (521); a line that only looks like an
        // end (NUL before the dot) is body text, so everything up to the real end is one message to alice.
        var verdict = await wire.SmtpReplyAsync();
        if (fakeEnd == "\r\n\0.\r\n")
        {
            Assert.True(verdict?.Code is 250 or >= 500, $"{verdict}");
        }
        else
        {
            Assert.Equal(521, verdict?.Code);
            Assert.Null(await wire.SmtpReplyAsync()); // and nothing after it: the smuggled commands were never read
        }
        var storage = _stack.Get<Serverless.Mail.Storage.MailStorage>();
        await Poll.UntilAsync(async () => (await storage.Inbound.GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n == 0, TimeSpan.FromSeconds(30));
        // No second message exists anywhere.
        Assert.Empty(await _stack.MessagesAsync("bob@acme.test"));
        Assert.DoesNotContain(await _stack.MessagesAsync("alice@acme.test"), m => m.Summary?.Envelope.Subject == "smuggled");
    }

    [Fact]
    public async Task Smtp_commands_pipelined_behind_starttls_are_discarded()
    {
        await using var wire = await Wire.ConnectAsync(_stack.SmtpPort);
        await wire.SmtpReplyAsync();
        await wire.SmtpAsync("EHLO client.reliability.test");
        await wire.SendAsync("STARTTLS\r\nMAIL FROM:<injected@client.reliability.test>\r\n");
        Assert.Equal(220, (await wire.SmtpReplyAsync())?.Code);
        await wire.StartTlsAsync();
        Assert.Equal(250, (await wire.SmtpAsync("EHLO client.reliability.test"))?.Code); // the first answer in TLS is to EHLO
        Assert.Equal(503, (await wire.SmtpAsync("RCPT TO:<alice@acme.test>"))?.Code);   // no MAIL FROM is in effect
    }

    [Fact]
    public async Task Imap_commands_pipelined_behind_starttls_are_discarded()
    {
        await using var wire = await Wire.ConnectAsync(_stack.ImapPort);
        await wire.ReadLineAsync();
        await wire.SendAsync($"a STARTTLS\r\nb LOGIN alice@acme.test \"{MailStack.Password}\"\r\n");
        Assert.StartsWith("a OK", (await wire.ImapUntilTaggedAsync("a"))[^1], StringComparison.Ordinal);
        await wire.StartTlsAsync();
        await wire.LineAsync("c SELECT INBOX");
        var lines = await wire.ImapUntilTaggedAsync("c");
        Assert.DoesNotContain(lines, l => l.StartsWith("b ", StringComparison.Ordinal));
        Assert.Matches("^c (NO|BAD)", lines[^1]); // not logged in: the injected LOGIN never ran
    }

    [Fact]
    public async Task Pop3_commands_pipelined_behind_stls_are_discarded()
    {
        await using var wire = await Wire.ConnectAsync(_stack.Pop3Port);
        await wire.ReadLineAsync();
        await wire.SendAsync("STLS\r\nUSER alice@acme.test\r\n");
        Assert.StartsWith("+OK", await wire.ReadLineAsync(), StringComparison.Ordinal);
        await wire.StartTlsAsync();
        await wire.LineAsync("PASS " + MailStack.Password);
        var reply = await wire.ReadLineAsync();
        Assert.StartsWith("-ERR", reply, StringComparison.Ordinal); // "send USER first": the injected USER never ran
        Assert.DoesNotContain("[AUTH]", reply!, StringComparison.Ordinal);
    }
}
