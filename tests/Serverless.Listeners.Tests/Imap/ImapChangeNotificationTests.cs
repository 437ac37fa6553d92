using MailKit;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Index;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Xunit;

namespace Serverless.Listeners.Tests.Imap;

public sealed class ImapChangeNotificationTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    [Fact]
    public async Task Two_sessions_on_one_folder_see_each_others_flag_changes_and_expunges()
    {
        var mailbox = await host.CreateMailboxAsync();
        for (var i = 1; i <= 3; i++)
        {
            await host.DeliverAsync(mailbox, ImapTestHost.Message("m" + i));
        }
        using var a = await host.ConnectAsync(mailbox);
        using var b = await host.ConnectAsync(mailbox);
        await a.Inbox.OpenAsync(FolderAccess.ReadWrite);
        await b.Inbox.OpenAsync(FolderAccess.ReadWrite);
        var flagged = new List<(int Index, MessageFlags Flags)>();
        var expunged = new List<int>();
        b.Inbox.MessageFlagsChanged += (_, e) => flagged.Add((e.Index, e.Flags));
        b.Inbox.MessageExpunged += (_, e) => expunged.Add(e.Index);

        await a.Inbox.AddFlagsAsync(0, MessageFlags.Flagged, silent: false);
        await a.Inbox.AddFlagsAsync(1, MessageFlags.Deleted, silent: true);
        await a.Inbox.ExpungeAsync();
        await b.NoOpAsync();

        Assert.Equal([1], expunged);
        Assert.Contains(flagged, f => f.Index == 0 && f.Flags.HasFlag(MessageFlags.Flagged));
        Assert.Equal(2, b.Inbox.Count);
        var uids = await b.Inbox.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags);
        Assert.Equal([1u, 3u], uids.Select(u => u.UniqueId.Id));
        Assert.True(uids[0].Flags!.Value.HasFlag(MessageFlags.Flagged));
    }

    [Fact]
    public async Task Sequence_numbers_stay_right_when_another_session_expunges_during_a_fetch()
    {
        var mailbox = await host.CreateMailboxAsync();
        for (var i = 1; i <= 5; i++)
        {
            await host.DeliverAsync(mailbox, ImapTestHost.Message("m" + i));
        }
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await raw.CommandAsync("SELECT INBOX");
        await host.Index.ExpungeAsync(mailbox.MailboxId, SpecialUse.InboxId, [2, 4]); // someone else

        // No EXPUNGE while FETCH responds (RFC 3501 7.4.1); the numbers the client knows still hold.
        // Data the session holds comes from its view; data that needs the gone rows is left out.
        Assert.Equal(["* 1 FETCH (UID 1)", "* 2 FETCH (UID 2)", "* 3 FETCH (UID 3)", "* 4 FETCH (UID 4)", "* 5 FETCH (UID 5)", "A003 OK FETCH completed"],
            await raw.CommandAsync("FETCH 1:5 UID"));
        var size = (await host.Index.GetMessageAsync(mailbox.MailboxId, SpecialUse.InboxId, 3))!.Size;
        var fetch = await raw.CommandAsync("FETCH 2:3 (UID RFC822.SIZE)");
        Assert.Equal([$"* 3 FETCH (UID 3 RFC822.SIZE {size})", "A004 OK [EXPUNGEISSUED] Some messages were expunged meanwhile"], fetch);
        Assert.Equal(["* 4 EXPUNGE", "* 2 EXPUNGE", "A005 OK NOOP completed"], await raw.CommandAsync("NOOP"));
        Assert.Equal(["* 1 FETCH (UID 1)", "* 2 FETCH (UID 3)", "* 3 FETCH (UID 5)", "A006 OK FETCH completed"], await raw.CommandAsync("FETCH 1:* UID"));

        // UID commands may be told at once.
        await host.Index.ExpungeAsync(mailbox.MailboxId, SpecialUse.InboxId, [3]);
        var uidFetch = await raw.CommandAsync("UID FETCH 1:* UID");
        Assert.Equal(["* 2 EXPUNGE", "* 1 FETCH (UID 1)", "* 2 FETCH (UID 5)", "A007 OK UID FETCH completed"], uidFetch);
    }

    [Fact]
    public async Task A_session_seeing_new_mail_does_not_make_the_next_delivery_dearer()
    {
        var mailbox = await host.CreateMailboxAsync();
        var prefix = host.Host.Services.GetRequiredService<StorageOptions>().Prefix;
        await using var ingest = await TestStorage.CreateServicesAsync(prefix); // the ingest's process
        var ingestIndex = ingest.GetRequiredService<MailboxIndex>();
        var meter = ingest.GetRequiredService<StorageRequestMeter>();
        NewMessage Message() => new() { BlobName = "unused", Size = 10, InternalDate = DateTimeOffset.UtcNow };
        await ingestIndex.AppendAsync(mailbox.MailboxId, SpecialUse.InboxId, Message());

        using var client = await host.ConnectAsync(mailbox);
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite); // claims message 1 as \Recent
        await ingestIndex.AppendAsync(mailbox.MailboxId, SpecialUse.InboxId, Message());
        await client.NoOpAsync();
        Assert.Equal(2, client.Inbox.Count);
        var flags = await client.Inbox.FetchAsync(1, 1, MessageSummaryItems.Flags);
        Assert.True(flags[0].Flags!.Value.HasFlag(MessageFlags.Recent)); // recent in this session...

        var before = meter.TotalRequests;
        await ingestIndex.AppendAsync(mailbox.MailboxId, SpecialUse.InboxId, Message());
        Assert.Equal(1, meter.TotalRequests - before); // ...without rewriting the folder row under the ingest's cached copy
    }

    [Fact]
    public async Task Idle_is_woken_by_a_delivery_in_this_process()
    {
        var mailbox = await host.CreateMailboxAsync();
        using var client = await host.ConnectAsync(mailbox);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        using var done = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        client.Inbox.CountChanged += (_, _) => done.Cancel();
        var idle = client.IdleAsync(done.Token);
        await host.DeliverAsync(mailbox, ImapTestHost.Message("wake up"));
        await idle;
        Assert.Equal(1, client.Inbox.Count);
    }

    [Fact]
    public async Task Idle_is_woken_by_a_change_made_through_another_process()
    {
        var mailbox = await host.CreateMailboxAsync();
        await host.DeliverAsync(mailbox, ImapTestHost.Message("first"));
        // A second set of services on the same storage: its writes do not signal this listener,
        // which learns of them by polling the folder row while idling.
        var prefix = host.Host.Services.GetRequiredService<StorageOptions>().Prefix;
        await using var other = await TestStorage.CreateServicesAsync(prefix);
        var otherIndex = other.GetRequiredService<MailboxIndex>();

        using var client = await host.ConnectAsync(mailbox);
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        var flags = new TaskCompletionSource<MessageFlags>(TaskCreationOptions.RunContinuationsAsynchronously);
        var counted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Inbox.MessageFlagsChanged += (_, e) => flags.TrySetResult(e.Flags);
        client.Inbox.CountChanged += (_, _) => counted.TrySetResult();
        using var done = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var idle = client.IdleAsync(done.Token);

        await otherIndex.StoreFlagsAsync(mailbox.MailboxId, SpecialUse.InboxId, [1], FlagMode.Add, ["\\Answered"]);
        Assert.True((await flags.Task.WaitAsync(TimeSpan.FromSeconds(20))).HasFlag(MessageFlags.Answered));
        await otherIndex.AppendAsync(mailbox.MailboxId, SpecialUse.InboxId, new NewMessage
        {
            BlobName = "unused",
            Size = 10,
            InternalDate = DateTimeOffset.UtcNow,
        });
        await counted.Task.WaitAsync(TimeSpan.FromSeconds(20));
        done.Cancel();
        await idle;
        Assert.Equal(2, client.Inbox.Count);
    }
}
