using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MimeKit;
using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>MULTIAPPEND (RFC 3502): several messages in one APPEND, added all or none.</summary>
public sealed class ImapMultiAppendTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    [Fact]
    public async Task Mailkit_appends_several_messages_in_one_command_and_gets_their_uids()
    {
        var mailbox = await host.CreateMailboxAsync();
        using var client = await host.ConnectAsync(mailbox);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.MultiAppend));
        var requests = Enumerable.Range(1, 3).Select(i => (IAppendRequest)new AppendRequest(
            new MimeMessage([new MailboxAddress("A", "a@example.org")], [new MailboxAddress("B", "b@example.org")], "multi " + i, new TextPart("plain") { Text = "Body " + i }),
            i == 2 ? MessageFlags.Seen : MessageFlags.None)).ToList();
        var uids = await client.Inbox.AppendAsync(requests);
        Assert.Equal([1u, 2u, 3u], uids.Select(u => u.Id));
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var summaries = await client.Inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope | MessageSummaryItems.Flags);
        Assert.Equal(["multi 1", "multi 2", "multi 3"], summaries.Select(s => s.Envelope!.Subject));
        Assert.Equal(MessageFlags.Seen, summaries[1].Flags!.Value & MessageFlags.Seen);
        Assert.Equal(MessageFlags.None, summaries[0].Flags!.Value & MessageFlags.Seen);
    }

    [Fact]
    public async Task A_transcript_with_literal_plus_gets_a_uid_set_and_a_message_that_cannot_be_added_takes_back_the_others()
    {
        const string one = "Subject: one\r\n\r\nfirst message body, padded to be long enough for the quota.\r\n";
        const string two = "Subject: two\r\n\r\nsecond message body, padded to be long enough for the quota.\r\n";
        var mailbox = await host.CreateMailboxAsync();
        await using (var raw = await host.RawAsync())
        {
            await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
            await raw.WriteAsync($"A002 APPEND INBOX (\\Seen) {{{one.Length}+}}\r\n{one} {{{two.Length}+}}\r\n{two}\r\n");
            Assert.Matches(@"^A002 OK \[APPENDUID \d+ 1,2\] APPEND completed$", (await raw.ReadUntilTaggedAsync("A002"))[^1]);
        }

        // Room for one of the two: the second fails in its transaction, and the first goes again.
        var small = await host.CreateMailboxAsync(quotaBytes: one.Length + (two.Length / 2));
        await using var imap = await host.RawAsync();
        await imap.LoginAsync(small.Address, ImapTestHost.Password);
        await imap.WriteAsync($"A002 APPEND INBOX {{{one.Length}+}}\r\n{one} {{{two.Length}+}}\r\n{two}\r\n");
        Assert.Equal("A002 NO [OVERQUOTA] Quota exceeded", (await imap.ReadUntilTaggedAsync("A002"))[^1]);
        Assert.Equal("* STATUS \"INBOX\" (MESSAGES 0 SIZE 0)", (await imap.CommandAsync("STATUS INBOX (MESSAGES SIZE)"))[0]);
        Assert.Equal(0, (await host.Index.GetUsageAsync(small.MailboxId))!.Bytes);
        Assert.Equal(Encoding.ASCII.GetByteCount(one), one.Length);
    }
}
