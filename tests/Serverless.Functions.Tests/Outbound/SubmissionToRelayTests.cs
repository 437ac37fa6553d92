using MailKit.Net.Smtp;
using MimeKit;
using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Outbound;
using Serverless.Testing.Outbound;
using Xunit;

namespace Serverless.Functions.Tests.Outbound;

/// <summary>From the submission port to the remote server (and the local mailbox) through the local stack.</summary>
public sealed class SubmissionToRelayTests
{
    private static MimeMessage Message(params string[] to)
    {
        var m = new MimeMessage();
        m.From.Add(MailboxAddress.Parse("alice@sender.test"));
        foreach (var t in to)
        {
            m.To.Add(MailboxAddress.Parse(t));
        }
        m.Subject = "Hello both";
        m.Body = new TextPart("plain") { Text = "One copy here, one over there.\r\n" };
        return m;
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException(what);
    }

    [Fact]
    public async Task A_submission_to_a_local_and_a_remote_recipient_shares_one_blob_until_both_are_done()
    {
        await using var stack = await LocalStack.StartAsync();
        stack.Dns.AddMx("remote.test", 10, "mx.remote.test");
        stack.Dns.AddA("mx.remote.test", "127.0.0.70");
        await using var receiver = TestSmtpServer.Start("127.0.0.70", stack.SmtpPort);

        using (var client = await stack.SubmitterAsync())
        {
            await client.SendAsync(Message("bob@sender.test", "carol@remote.test"));
            await client.DisconnectAsync(true);
        }

        var remote = Assert.Single(await receiver.WaitForMessagesAsync(1));
        Assert.Equal(["carol@remote.test"], remote.Recipients);
        Assert.Equal("alice@sender.test", remote.MailFrom);
        Assert.Contains("Subject: Hello both", remote.Text, StringComparison.Ordinal);
        var bob = await stack.Get<MailDirectory>().GetMailboxAsync(MailAddress.Parse("bob@sender.test"));
        var index = stack.Get<MailboxIndex>();
        var filed = await EventuallyAsync(async () =>
        {
            await foreach (var m in index.ListMessagesAsync(bob!.MailboxId, 1))
            {
                return m;
            }
            return null;
        }, "Bob's copy was never filed.");
        // The relay is done with the blob, but Bob's copy still reads it.
        var state = stack.Get<OutboundState>();
        await EventuallyAsync(async () => (await state.ListAsync("acme", includeDone: true, 10, null)).Items.FirstOrDefault(i => i.Done), "The relay never finished.");
        await using var stream = await stack.Get<MessageStore>().OpenReadAsync(filed.BlobName);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        Assert.Contains("One copy here", System.Text.Encoding.UTF8.GetString(copy.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_submission_listener_refuses_mail_over_the_sending_rate_limit_with_450()
    {
        await using var stack = await LocalStack.StartAsync(new Dictionary<string, string?> { ["Mail:Outbound:RateLimit:PerMailboxPerHour"] = "2" });
        stack.Dns.AddMx("remote.test", 10, "mx.remote.test");
        stack.Dns.AddA("mx.remote.test", "127.0.0.71");
        await using var receiver = TestSmtpServer.Start("127.0.0.71", stack.SmtpPort);

        using var client = await stack.SubmitterAsync();
        await client.SendAsync(Message("a@remote.test", "b@remote.test"));
        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message("c@remote.test")));
        Assert.Equal(450, (int)refused.StatusCode);
        // Local mail is not sending to the internet: still accepted.
        await client.SendAsync(Message("bob@sender.test"));
        await client.DisconnectAsync(true);

        Assert.Equal(["a@remote.test", "b@remote.test"], Assert.Single(await receiver.WaitForMessagesAsync(1)).Recipients);
        await Task.Delay(1500);
        Assert.Single(receiver.Messages);
    }
}
