using System.Text;
using MailKit.Net.Pop3;
using MailKit.Security;
using Xunit;

namespace Serverless.Listeners.Tests.Pop3;

/// <summary>Every POP3 command driven by MailKit's Pop3Client, a client real applications use.</summary>
public sealed class Pop3MailKitTests
{
    [Fact]
    public async Task MailKit_reads_and_marks_the_maildrop_over_STLS_with_every_transaction_command()
    {
        await using var bed = await Pop3TestBed.StartAsync();
        var raws = new[] { Pop3TestBed.Message("one"), Pop3TestBed.Message("two", "Line 1\r\n.dot line\r\n"), Pop3TestBed.Message("three") };
        foreach (var raw in raws)
        {
            await bed.DeliverAsync(raw);
        }

        using var client = await bed.MailKitAsync();
        Assert.True(client.IsSecure);
        Assert.True(client.IsAuthenticated);
        Assert.True(client.Capabilities.HasFlag(Pop3Capabilities.Top));
        Assert.True(client.Capabilities.HasFlag(Pop3Capabilities.UIDL));
        Assert.True(client.Capabilities.HasFlag(Pop3Capabilities.Pipelining));
        Assert.True(client.Capabilities.HasFlag(Pop3Capabilities.ResponseCodes));
        Assert.Equal("Serverless-Mail", client.Implementation);

        Assert.Equal(3, await client.GetMessageCountAsync()); // STAT
        var sizes = await client.GetMessageSizesAsync(); // LIST
        Assert.Equal(raws.Select(r => Encoding.UTF8.GetByteCount(r)), sizes);
        Assert.Equal(sizes[1], await client.GetMessageSizeAsync(1)); // LIST n
        var uids = await client.GetMessageUidsAsync(); // UIDL
        Assert.Equal(3, uids.Distinct().Count());
        Assert.Equal(uids[2], await client.GetMessageUidAsync(2)); // UIDL n

        var second = await client.GetMessageAsync(1); // RETR
        Assert.Equal("two", second.Subject);
        Assert.Equal(["Line 1", ".dot line", ""], second.TextBody!.ReplaceLineEndings("\n").Split('\n'));
        using (var stream = await client.GetStreamAsync(1))
        {
            var bytes = new MemoryStream();
            await stream.CopyToAsync(bytes);
            Assert.Equal(raws[1], Encoding.UTF8.GetString(bytes.ToArray()));
        }
        var headers = await client.GetMessageHeadersAsync(2); // TOP 3 0
        Assert.Equal("three", headers[MimeKit.HeaderId.Subject]);

        await client.NoOpAsync(); // NOOP
        await client.DeleteMessageAsync(0); // DELE
        Assert.Equal(2, await client.GetMessageCountAsync());
        await client.ResetAsync(); // RSET
        Assert.Equal(3, await client.GetMessageCountAsync());
        await client.DisconnectAsync(quit: true); // QUIT
        Assert.Equal(3, (await bed.InboxAsync()).Count);
    }

    [Fact]
    public async Task MailKit_logs_in_with_SASL_PLAIN_on_the_implicit_TLS_port()
    {
        await using var bed = await Pop3TestBed.StartAsync(plaintextOnLoopback: false);
        await bed.DeliverAsync(Pop3TestBed.Message("over tls"));
        using var client = await bed.MailKitAsync(implicitTls: true, login: false);
        Assert.True(client.IsSecure);
        Assert.Contains("PLAIN", client.AuthenticationMechanisms);
        Assert.False(client.Capabilities.HasFlag(Pop3Capabilities.StartTLS));
        await client.AuthenticateAsync(new SaslMechanismPlain(Pop3TestBed.Address, Pop3TestBed.Password));
        Assert.Equal("over tls", (await client.GetMessageAsync(0)).Subject);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task MailKit_logs_in_with_USER_and_PASS_when_SASL_is_not_used()
    {
        await using var bed = await Pop3TestBed.StartAsync(plaintextOnLoopback: false);
        using var client = await bed.MailKitAsync(login: false);
        Assert.True(client.Capabilities.HasFlag(Pop3Capabilities.User));
        client.AuthenticationMechanisms.Clear();
        await client.AuthenticateAsync(Pop3TestBed.Address, Pop3TestBed.Password);
        Assert.Equal(0, await client.GetMessageCountAsync());
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task A_wrong_password_fails_the_MailKit_login()
    {
        await using var bed = await Pop3TestBed.StartAsync();
        using var client = await bed.MailKitAsync(login: false);
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(Pop3TestBed.Address, "wrong"));
    }

    [Fact]
    public async Task MailKit_pipelines_many_retrievals_and_gets_every_message_in_order()
    {
        await using var bed = await Pop3TestBed.StartAsync();
        var subjects = Enumerable.Range(1, 25).Select(i => $"message {i}").ToList();
        foreach (var s in subjects)
        {
            // Big enough that several flushes happen within one message.
            await bed.DeliverAsync(Pop3TestBed.Message(s, string.Concat(Enumerable.Repeat($"{s} body line, long enough to matter.\r\n.{s}\r\n", 1500))));
        }
        using var client = await bed.MailKitAsync();
        var messages = await client.GetMessagesAsync(Enumerable.Range(0, subjects.Count).ToList());
        Assert.Equal(subjects, messages.Select(m => m.Subject));
        var headers = await client.GetMessageHeadersAsync(Enumerable.Range(0, subjects.Count).Reverse().ToList());
        Assert.Equal(Enumerable.Reverse(subjects), headers.Select(h => h[MimeKit.HeaderId.Subject]));
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task UIDL_values_are_stable_across_sessions_and_survive_deleting_other_messages()
    {
        await using var bed = await Pop3TestBed.StartAsync();
        await bed.DeliverAsync(Pop3TestBed.Message("a"));
        var uidB = await bed.DeliverAsync(Pop3TestBed.Message("b"));

        IList<string> before;
        using (var client = await bed.MailKitAsync())
        {
            before = await client.GetMessageUidsAsync();
            await client.DeleteMessageAsync(0);
            await client.DisconnectAsync(true);
        }
        var folder = await bed.Index.GetFolderAsync(bed.Mailbox.MailboxId, Serverless.Mail.Index.SpecialUse.InboxId);
        Assert.Equal($"{folder!.UidValidity:X8}{uidB:X8}", before[1]);
        using (var client = await bed.MailKitAsync())
        {
            Assert.Equal([before[1]], await client.GetMessageUidsAsync());
            await client.DisconnectAsync(true);
        }
    }
}
