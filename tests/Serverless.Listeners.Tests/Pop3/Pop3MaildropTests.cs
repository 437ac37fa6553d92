using MailKit;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Listeners.Tests.Infrastructure;
using Serverless.Mail.Index;
using Serverless.Testing;
using Xunit;

namespace Serverless.Listeners.Tests.Pop3;

/// <summary>The maildrop is INBOX, shared with IMAP: what QUIT changes, what a drop leaves alone, who may hold it.</summary>
public sealed class Pop3MaildropTests
{
    [Fact]
    public async Task DELE_and_QUIT_expunge_the_messages_from_INBOX_and_mark_retrieved_ones_seen()
    {
        await using var bed = await Pop3TestBed.StartAsync();
        var first = await bed.DeliverAsync(Pop3TestBed.Message("keep, read"));
        var second = await bed.DeliverAsync(Pop3TestBed.Message("delete"));
        var third = await bed.DeliverAsync(Pop3TestBed.Message("keep, unread"));
        var folderBefore = (await bed.Index.GetFolderAsync(bed.Mailbox.MailboxId, SpecialUse.InboxId))!;
        // An IMAP client has INBOX open all along, as a phone would while the desktop uses POP3.
        using var imap = await bed.ImapAsync();
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(3, imap.Inbox.Count);
        var expunged = new List<int>();
        imap.Inbox.MessageExpunged += (_, e) => expunged.Add(e.Index);

        using (var client = await bed.MailKitAsync())
        {
            Assert.Equal("keep, read", (await client.GetMessageAsync(0)).Subject);
            await client.DeleteMessageAsync(1);
            await client.DisconnectAsync(quit: true);
        }

        await imap.NoOpAsync();
        Assert.Equal([1], expunged);
        Assert.Equal(2, imap.Inbox.Count);
        var seenByImap = await imap.Inbox.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags);
        Assert.Equal([(uint)first, (uint)third], seenByImap.Select(m => m.UniqueId.Id));
        Assert.True(seenByImap[0].Flags!.Value.HasFlag(MessageFlags.Seen));
        Assert.False(seenByImap[1].Flags!.Value.HasFlag(MessageFlags.Seen));
        await imap.DisconnectAsync(true);

        var inbox = await bed.InboxAsync();
        Assert.Equal([first, third], inbox.Select(m => m.Uid));
        Assert.True(inbox[0].HasFlag("\\Seen"));
        Assert.False(inbox[1].HasFlag("\\Seen"));
        var folder = (await bed.Index.GetFolderAsync(bed.Mailbox.MailboxId, SpecialUse.InboxId))!;
        Assert.Equal(2, folder.Messages);
        // IMAP sessions learn of the expunge from the folder's change log.
        var changes = await bed.Index.GetChangesAsync(bed.Mailbox.MailboxId, SpecialUse.InboxId, folderBefore.HighestModSeq);
        Assert.Contains(changes, c => c.Kind == FolderChangeKind.Expunge && c.Uid == second);

        using var again = await bed.MailKitAsync();
        Assert.Equal(["keep, read", "keep, unread"], (await again.GetMessagesAsync([0, 1])).Select(m => m.Subject));
        await again.DisconnectAsync(true);
    }

    [Fact]
    public async Task QUIT_applies_deletions_and_seen_flags_to_more_messages_than_one_table_transaction_holds()
    {
        await using var bed = await Pop3TestBed.StartAsync();
        await Task.WhenAll(Enumerable.Range(1, 130).Select(i => bed.DeliverAsync(Pop3TestBed.Message($"bulk {i}"))));
        using (var client = await bed.MailKitAsync())
        {
            var all = Enumerable.Range(0, 130).ToList();
            Assert.Equal(130, (await client.GetMessagesAsync(all)).Count);
            await client.DeleteMessagesAsync(all.Where(i => i % 2 == 0).ToList());
            await client.DisconnectAsync(quit: true);
        }
        var inbox = await bed.InboxAsync();
        Assert.Equal(65, inbox.Count);
        Assert.All(inbox, m => Assert.True(m.HasFlag("\\Seen")));
        Assert.Equal(65, (await bed.Index.GetFolderAsync(bed.Mailbox.MailboxId, SpecialUse.InboxId))!.Messages);
    }

    [Fact]
    public async Task DELE_and_a_dropped_connection_remove_nothing_and_free_the_maildrop()
    {
        await using var bed = await Pop3TestBed.StartAsync();
        await bed.DeliverAsync(Pop3TestBed.Message("one"));
        await bed.DeliverAsync(Pop3TestBed.Message("two"));
        var pop = await bed.RawAsync();
        Assert.StartsWith("+OK", await pop.LoginAsync(Pop3TestBed.Address, Pop3TestBed.Password), StringComparison.Ordinal);
        Assert.StartsWith("+OK", await pop.CommandAsync("DELE 1"), StringComparison.Ordinal);
        Assert.StartsWith("+OK", await pop.CommandAsync("DELE 2"), StringComparison.Ordinal);
        pop.Abort();
        await pop.DisposeAsync();

        // The session released its lease on the way out: a new login gets in (no waiting for expiry).
        await Pop3TestBed.UntilAsync(async () =>
        {
            await using var next = await bed.RawAsync();
            return (await next.LoginAsync(Pop3TestBed.Address, Pop3TestBed.Password)).StartsWith("+OK 2 messages", StringComparison.Ordinal);
        }, "the dropped session's lease is released");
        Assert.Equal(2, (await bed.InboxAsync()).Count);
    }

    [Fact]
    public async Task A_second_concurrent_login_gets_IN_USE_until_the_first_session_ends()
    {
        await using var bed = await Pop3TestBed.StartAsync();
        await bed.DeliverAsync(Pop3TestBed.Message("one"));
        using var first = await bed.MailKitAsync();

        await using (var second = await bed.RawAsync())
        {
            Assert.Equal("-ERR [IN-USE] Maildrop is in use by another session", await second.LoginAsync(Pop3TestBed.Address, Pop3TestBed.Password));
            // The refused session stays in AUTHORIZATION and may try again.
            Assert.Equal("-ERR STAT is only valid after login", await second.CommandAsync("STAT"));
        }
        using (var secondMailKit = await bed.MailKitAsync(implicitTls: true, login: false))
        {
            await Assert.ThrowsAnyAsync<Exception>(() => secondMailKit.AuthenticateAsync(Pop3TestBed.Address, Pop3TestBed.Password));
        }

        await first.DisconnectAsync(quit: true);
        await using var third = await bed.RawAsync();
        Assert.StartsWith("+OK 1 messages", await third.LoginAsync(Pop3TestBed.Address, Pop3TestBed.Password), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_lease_of_a_crashed_listener_expires_and_the_maildrop_opens_again()
    {
        await using var bed = await Pop3TestBed.StartAsync();
        await bed.DeliverAsync(Pop3TestBed.Message("one"));
        // Another listener took the lease and died: nobody renews or releases it.
        var leases = bed.Host.Services.GetRequiredService<MaildropLeases>();
        // Long enough that the first login below surely comes before expiry, even on a loaded machine.
        var crashed = await leases.TryAcquireAsync(bed.Mailbox.MailboxId, "pop3 crashed-listener", TimeSpan.FromSeconds(6));
        Assert.NotNull(crashed);

        await using (var pop = await bed.RawAsync())
        {
            Assert.Equal("-ERR [IN-USE] Maildrop is in use by another session", await pop.LoginAsync(Pop3TestBed.Address, Pop3TestBed.Password));
        }
        await Pop3TestBed.UntilAsync(async () =>
        {
            await using var pop = await bed.RawAsync();
            return (await pop.LoginAsync(Pop3TestBed.Address, Pop3TestBed.Password)).StartsWith("+OK 1 messages", StringComparison.Ordinal);
        }, "the crashed listener's lease expires");
        Assert.False(await crashed.RenewAsync());
    }

    [Fact]
    public async Task The_maildrop_is_INBOX_as_it_was_at_login()
    {
        await using var bed = await Pop3TestBed.StartAsync();
        await bed.DeliverAsync(Pop3TestBed.Message("before"));
        await using var pop = await bed.RawAsync();
        Assert.StartsWith("+OK 1 messages", await pop.LoginAsync(Pop3TestBed.Address, Pop3TestBed.Password), StringComparison.Ordinal);
        await bed.DeliverAsync(Pop3TestBed.Message("after login"));
        var junk = await bed.Index.AppendAsync(bed.Mailbox.MailboxId, SpecialUse.JunkId, new NewMessage { BlobName = "x", Size = 1, InternalDate = DateTimeOffset.UtcNow });
        Assert.Equal(AppendOutcome.Appended, junk.Outcome);

        Assert.StartsWith("+OK 1 ", await pop.CommandAsync("STAT"), StringComparison.Ordinal);
        Assert.Equal("-ERR No message 2", await pop.CommandAsync("RETR 2"));
        Assert.StartsWith("+OK", await pop.CommandAsync("QUIT"), StringComparison.Ordinal);

        await using var next = await bed.RawAsync();
        Assert.StartsWith("+OK 2 messages", await next.LoginAsync(Pop3TestBed.Address, Pop3TestBed.Password), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_expunged_by_another_client_meanwhile_is_refused_cleanly()
    {
        await using var bed = await Pop3TestBed.StartAsync();
        var uid = await bed.DeliverAsync(Pop3TestBed.Message("gone"));
        await bed.DeliverAsync(Pop3TestBed.Message("still here"));
        await using var pop = await bed.RawAsync();
        await pop.LoginAsync(Pop3TestBed.Address, Pop3TestBed.Password);
        await bed.Index.ExpungeAsync(bed.Mailbox.MailboxId, SpecialUse.InboxId, [uid]); // as IMAP EXPUNGE would

        Assert.Equal("-ERR Message 1 was removed by another session", await pop.CommandAsync("RETR 1"));
        Assert.StartsWith("+OK", await pop.CommandAsync("RETR 2"), StringComparison.Ordinal);
        await pop.MultiLineAsync();
        Assert.StartsWith("+OK", await pop.CommandAsync("DELE 1"), StringComparison.Ordinal);
        Assert.StartsWith("+OK", await pop.CommandAsync("QUIT"), StringComparison.Ordinal);
        Assert.Single(await bed.InboxAsync());
    }

    [Fact]
    public async Task Storage_outages_are_answered_with_SYS_TEMP_and_nothing_is_lost()
    {
        await using var storage = await StorageOutageProxy.StartAsync();
        // A short lease, so the one left behind by the session that could not release it expires quickly.
        await using var bed = await Pop3TestBed.StartAsync(
            settings: new Dictionary<string, string?> { ["Mail:Pop3:LeaseDuration"] = "00:00:03" }, connectionString: storage.ConnectionString);
        await bed.DeliverAsync(Pop3TestBed.Message("one"));
        await bed.DeliverAsync(Pop3TestBed.Message("two"));

        await using (var session = await bed.RawAsync())
        {
            Assert.StartsWith("+OK 2 messages", await session.LoginAsync(Pop3TestBed.Address, Pop3TestBed.Password), StringComparison.Ordinal);
            Assert.StartsWith("+OK", await session.CommandAsync("DELE 1"), StringComparison.Ordinal);
            storage.Cut();
            Assert.StartsWith("-ERR [SYS/TEMP]", await session.CommandAsync("RETR 2"), StringComparison.Ordinal);
            Assert.StartsWith("-ERR [SYS/TEMP]", await session.CommandAsync("QUIT"), StringComparison.Ordinal);
        }
        await using (var session = await bed.RawAsync())
        {
            // Nothing cached about this login attempt: the directory read itself fails.
            Assert.StartsWith("-ERR [SYS/TEMP]", await session.LoginAsync("other@pop.test", "any password"), StringComparison.Ordinal);
        }

        storage.Restore();
        await Pop3TestBed.UntilAsync(async () =>
        {
            await using var pop = await bed.RawAsync();
            return (await pop.LoginAsync(Pop3TestBed.Address, Pop3TestBed.Password)).StartsWith("+OK 2 messages", StringComparison.Ordinal);
        }, "storage is back and the maildrop opens with both messages");
    }
}
