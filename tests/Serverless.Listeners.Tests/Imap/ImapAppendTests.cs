using System.Text;
using MailKit;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Serverless.Mail.Storage;
using Xunit;

namespace Serverless.Listeners.Tests.Imap;

public sealed class ImapAppendTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    [Fact]
    public async Task Append_with_a_synchronising_literal_waits_for_the_continuation_and_returns_appenduid()
    {
        var mailbox = await host.CreateMailboxAsync();
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        var message = "From: me@example.com\r\nSubject: sent copy\r\n\r\nHi.\r\n";
        await raw.WriteAsync($"A100 APPEND Sent (\\Seen) \"27-Nov-2026 10:00:00 +0100\" {{{message.Length}}}\r\n");
        Assert.Equal("+ Ready for literal data", await raw.ReadLineAsync());
        await raw.WriteAsync(message + "\r\n");
        var reply = await raw.ReadUntilTaggedAsync("A100");
        var folder = (await host.Index.FindFolderAsync(mailbox.MailboxId, "Sent"))!;
        Assert.Equal($"A100 OK [APPENDUID {folder.UidValidity} 1] APPEND completed", reply[^1]);

        var fetch = await raw.CommandAsync("EXAMINE Sent");
        Assert.Contains("* 1 EXISTS", fetch);
        var data = await raw.CommandAsync("FETCH 1 (FLAGS INTERNALDATE RFC822.SIZE BODY[])");
        Assert.Equal($"* 1 FETCH (FLAGS (\\Seen \\Recent) INTERNALDATE \"27-Nov-2026 09:00:00 +0000\" RFC822.SIZE {message.Length} BODY[] {{{message.Length}}}\r\n{message})", data[0]);
    }

    [Fact]
    public async Task Append_with_literal_plus_needs_no_continuation_and_works_pipelined()
    {
        var mailbox = await host.CreateMailboxAsync();
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        var one = "Subject: draft one\r\n\r\nx\r\n";
        var two = "Subject: draft two\r\n\r\ny\r\n";
        await raw.WriteAsync($"B1 APPEND Drafts (\\Draft) {{{one.Length}+}}\r\n{one}\r\nB2 APPEND Drafts {{{two.Length}+}}\r\n{two}\r\n");
        Assert.StartsWith("B1 OK [APPENDUID ", (await raw.ReadUntilTaggedAsync("B1"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("B2 OK [APPENDUID ", (await raw.ReadUntilTaggedAsync("B2"))[^1], StringComparison.Ordinal);

        using var client = await host.ConnectAsync(mailbox);
        var drafts = await client.GetFolderAsync("Drafts");
        await drafts.OpenAsync(FolderAccess.ReadOnly);
        var items = await drafts.FetchAsync(0, -1, MessageSummaryItems.Envelope | MessageSummaryItems.Flags);
        Assert.Equal(["draft one", "draft two"], items.Select(i => i.Envelope!.Subject));
        Assert.True(items[0].Flags!.Value.HasFlag(MessageFlags.Draft));
    }

    [Fact]
    public async Task MailKit_keeps_a_sent_copy_with_append()
    {
        var mailbox = await host.CreateMailboxAsync();
        using var client = await host.ConnectAsync(mailbox);
        var sent = client.GetFolder(SpecialFolder.Sent)!;
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Me", mailbox.Address));
        message.To.Add(new MailboxAddress("You", "you@example.org"));
        message.Subject = "Kept copy";
        message.Body = new TextPart("plain") { Text = new string('z', 300_000) }; // larger than the in-memory summary bound
        var uid = await sent.AppendAsync(message, MessageFlags.Seen);
        Assert.NotNull(uid);
        await sent.OpenAsync(FolderAccess.ReadOnly);
        var fetched = await sent.GetMessageAsync(uid!.Value);
        Assert.Equal("Kept copy", fetched.Subject);
        Assert.Equal(300_000, fetched.TextBody!.TrimEnd().Length);
    }

    [Fact]
    public async Task Append_refusals_trycreate_toobig_quota_and_an_oversized_literal_plus()
    {
        var mailbox = await host.CreateMailboxAsync(quotaBytes: 200);
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);

        // Refused before the continuation: the client never sends the bytes.
        Assert.Equal(["A002 NO [TRYCREATE] Mailbox does not exist"], await raw.CommandAsync("APPEND Nowhere {10}"));
        Assert.Equal(["A003 NO [TOOBIG] Message too large (at most 52428800 bytes)"], await raw.CommandAsync("APPEND INBOX {2147483648}"));
        Assert.Equal(["A004 NO [OVERQUOTA] Quota exceeded"], await raw.CommandAsync("APPEND INBOX {300}"));
        Assert.Equal(["A005 NO Empty message"], await raw.CommandAsync("APPEND INBOX {0}"));

        // LITERAL+ refused for the target: the bytes are skipped and the session goes on.
        await raw.WriteAsync("C1 APPEND Nowhere {5+}\r\nhello\r\n");
        Assert.Equal(["C1 NO [TRYCREATE] Mailbox does not exist"], await raw.ReadUntilTaggedAsync("C1"));
        Assert.Equal("A006 OK NOOP completed", (await raw.CommandAsync("NOOP"))[^1]);

        // A quota that runs out between the check and the index write is refused by the index itself.
        var first = "Subject: fits\r\n\r\n" + new string('a', 100) + "\r\n";
        await raw.WriteAsync($"C2 APPEND INBOX {{{first.Length}+}}\r\n{first}\r\n");
        Assert.StartsWith("C2 OK [APPENDUID", (await raw.ReadUntilTaggedAsync("C2"))[^1], StringComparison.Ordinal);
        Assert.Equal(["A007 NO [OVERQUOTA] Quota exceeded"], await raw.CommandAsync($"APPEND INBOX {{{first.Length}}}"));

        // A non-synchronising literal of 2 GB cannot be skipped economically: BYE.
        await raw.WriteAsync("C3 APPEND INBOX {2147483648+}\r\n");
        Assert.StartsWith("* BYE ", await raw.ReadLineAsync(), StringComparison.Ordinal);
        Assert.True(await raw.ClosedAsync());
    }

    [Fact]
    public async Task A_message_literal_whose_command_turns_out_malformed_leaves_no_blob()
    {
        var mailbox = await host.CreateMailboxAsync();
        var container = host.Host.Services.GetRequiredService<MailStorage>().Messages;
        var before = await CountBlobsAsync(container);
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await raw.WriteAsync("D1 APPEND INBOX {7+}\r\nSubj: x garbage-after-literal\r\n");
        Assert.Equal(["D1 BAD Unexpected extra arguments"], await raw.ReadUntilTaggedAsync("D1"));
        Assert.Equal(before, await CountBlobsAsync(container));
        Assert.Equal(0, (await host.Index.GetFolderAsync(mailbox.MailboxId, 1))!.Messages);
    }

    private static async Task<int> CountBlobsAsync(Azure.Storage.Blobs.BlobContainerClient container)
    {
        var n = 0;
        await foreach (var _ in container.GetBlobsAsync())
        {
            n++;
        }
        return n;
    }

    [Fact]
    public async Task Appending_to_the_selected_folder_is_announced_with_exists()
    {
        var mailbox = await host.CreateMailboxAsync();
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await raw.CommandAsync("SELECT INBOX");
        var message = Encoding.ASCII.GetBytes("Subject: self\r\n\r\nz\r\n");
        await raw.WriteAsync($"E1 APPEND INBOX {{{message.Length}+}}\r\n");
        await raw.WriteAsync(message);
        await raw.WriteAsync("\r\n");
        var reply = await raw.ReadUntilTaggedAsync("E1");
        Assert.Contains("* 1 EXISTS", reply);
        Assert.StartsWith("E1 OK [APPENDUID", reply[^1], StringComparison.Ordinal);
    }
}
