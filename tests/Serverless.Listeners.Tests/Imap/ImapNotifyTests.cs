using MailKit;
using MailKit.Net.Imap;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Listeners.Tests.Infrastructure;
using Serverless.Mail.Index;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Serverless.Testing.Raw;
using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>NOTIFY (RFC 5465): events told between commands, for the selected folder and for others, without polling them.</summary>
public sealed class ImapNotifyTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    private const string Supported = "BADEVENT (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange)";

    [Fact]
    public async Task Status_is_told_at_set_and_unsolicited_when_another_folder_changes_until_notify_none()
    {
        var mailbox = await host.CreateMailboxAsync();
        var other = await host.Index.CreateFolderAsync(mailbox.MailboxId, "Other");
        await host.DeliverAsync(mailbox, ImapTestHost.Message("first"), other!.FolderId);
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        Assert.Contains(" NOTIFY ", (await raw.CommandAsync("CAPABILITY"))[0], StringComparison.Ordinal);

        // What imaptest's notify script checks: the items follow the events asked for.
        var v = other.UidValidity;
        Assert.Equal(["* STATUS \"Other\" (MESSAGES 1)", "A003 OK NOTIFY completed"], await raw.CommandAsync("NOTIFY SET STATUS (mailboxes Other (MessageExpunge))"));
        Assert.Equal($"* STATUS \"Other\" (MESSAGES 1 UIDNEXT 2 UIDVALIDITY {v})", (await raw.CommandAsync("NOTIFY SET STATUS (mailboxes Other (MessageNew))"))[0]);
        Assert.Matches($@"^\* STATUS ""Other"" \(UIDVALIDITY {v} HIGHESTMODSEQ \d+\)$", (await raw.CommandAsync("NOTIFY SET STATUS (mailboxes Other (FlagChange))"))[0]);
        Assert.Equal(["A006 OK NOTIFY completed"], await raw.CommandAsync("NOTIFY SET (personal (MessageNew MessageExpunge))"));

        // No command in progress: the server speaks first.
        await host.DeliverAsync(mailbox, ImapTestHost.Message("second"), other.FolderId);
        Assert.Equal($"* STATUS \"Other\" (MESSAGES 2 UIDNEXT 3 UIDVALIDITY {v})", await raw.ReadResponseAsync());
        await host.DeliverAsync(mailbox, ImapTestHost.Message("to the inbox"));
        Assert.Matches(@"^\* STATUS ""INBOX"" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+\)$", await raw.ReadResponseAsync());

        Assert.Equal(["A007 OK NOTIFY completed"], await raw.CommandAsync("NOTIFY NONE"));
        await host.DeliverAsync(mailbox, ImapTestHost.Message("third"), other.FolderId);
        Assert.Equal(["A008 OK NOOP completed"], await raw.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task Unsupported_events_get_badevent_and_a_second_selected_group_is_bad()
    {
        var mailbox = await host.CreateMailboxAsync();
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        Assert.Equal($"A002 NO [{Supported}] MailboxMetadataChange is not supported", (await raw.CommandAsync("NOTIFY SET (personal (MailboxMetadataChange))"))[^1]);
        Assert.StartsWith($"A003 NO [{Supported}]", (await raw.CommandAsync("NOTIFY SET (selected (MessageNew MessageExpunge AnnotationChange))"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("A004 BAD", (await raw.CommandAsync("NOTIFY SET (selected (MessageNew)) (selected-delayed (MessageNew))"))[^1], StringComparison.Ordinal);
        var many = string.Join(' ', Enumerable.Range(1, 201).Select(i => "f" + i));
        Assert.StartsWith("A005 NO [NOTIFICATIONOVERFLOW]", (await raw.CommandAsync($"NOTIFY SET (mailboxes ({many}) (MessageNew MessageExpunge))"))[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_selected_folder_tells_new_mail_with_its_fetch_items_flag_changes_and_expunges_as_they_happen()
    {
        var (mailbox, raw) = await host.SelectedAsync(1);
        await using var _ = raw;
        Assert.Equal(["A003 OK NOTIFY completed"], await raw.CommandAsync("NOTIFY SET (selected (MessageNew (UID BODY.PEEK[HEADER.FIELDS (Subject)]) MessageExpunge FlagChange))"));

        await host.DeliverAsync(mailbox, ImapTestHost.Message("news"));
        Assert.Equal("* 2 EXISTS", await raw.ReadResponseAsync());
        Assert.Equal("* 2 RECENT", await raw.ReadResponseAsync()); // the first since SELECT, and the new one
        var fetched = await raw.ReadResponseAsync();
        Assert.StartsWith("* 2 FETCH (UID 2 BODY[HEADER.FIELDS (", fetched, StringComparison.OrdinalIgnoreCase);
        Assert.EndsWith("{17}\r\nSubject: news\r\n\r\n)", fetched, StringComparison.Ordinal);

        await using var other = await host.RawAsync();
        await other.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await other.CommandAsync("SELECT INBOX");
        await other.CommandAsync("UID STORE 1 +FLAGS (\\Flagged)");
        Assert.Matches(@"^\* 1 FETCH \(UID 1 FLAGS \(\\Flagged( \\Recent)?\)\)$", await raw.ReadResponseAsync());
        await other.CommandAsync("UID STORE 2 +FLAGS (\\Deleted)");
        Assert.Matches(@"^\* 2 FETCH \(UID 2 FLAGS \(\\Deleted \\Recent\)\)$", await raw.ReadResponseAsync());
        await other.CommandAsync("EXPUNGE");
        Assert.Equal("* 2 EXPUNGE", await raw.ReadResponseAsync());
    }

    [Fact]
    public async Task Selected_delayed_holds_back_an_expunge_until_a_command_may_tell_it()
    {
        var (mailbox, raw) = await host.SelectedAsync(2);
        await using var _ = raw;
        Assert.Equal(["A003 OK NOTIFY completed"], await raw.CommandAsync("NOTIFY SET (selected-delayed (MessageNew MessageExpunge))"));
        Assert.StartsWith("A004 OK", (await raw.CommandAsync("STORE 1 +FLAGS.SILENT (\\Deleted)"))[^1], StringComparison.Ordinal);
        await using var other = await host.RawAsync();
        await other.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await other.CommandAsync("SELECT INBOX");
        await other.CommandAsync("EXPUNGE");
        await host.DeliverAsync(mailbox, ImapTestHost.Message("later"));

        // The expunge may not renumber what the client holds between commands or during FETCH: it waits for NOOP.
        var fetch = await raw.CommandAsync("FETCH 1 FLAGS");
        Assert.StartsWith("* 1 FETCH (FLAGS (\\Deleted", fetch[0], StringComparison.Ordinal);
        Assert.Equal("A005 OK FETCH completed", fetch[^1]);
        var noop = await raw.CommandAsync("NOOP");
        Assert.Equal("* 1 EXPUNGE", noop[0]);
        Assert.Equal("* 2 EXISTS", noop[1]);
        Assert.Equal("A006 OK NOOP completed", noop[^1]);
    }

    [Fact]
    public async Task Mailbox_names_and_subscriptions_changed_by_another_session_arrive_as_list_responses_but_not_to_the_session_that_made_them()
    {
        var mailbox = await host.CreateMailboxAsync();
        await using var watcher = await host.RawAsync();
        await watcher.LoginAsync(mailbox.Address, ImapTestHost.Password);
        Assert.Equal(["A002 OK NOTIFY completed"], await watcher.CommandAsync("NOTIFY SET (personal (MailboxName SubscriptionChange))"));
        Assert.StartsWith("A003 OK", Assert.Single(await watcher.CommandAsync("CREATE Mine")), StringComparison.Ordinal); // its own: no LIST

        await using var actor = await host.RawAsync();
        await actor.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await actor.CommandAsync("CREATE Projects");
        Assert.Equal("* LIST () \"/\" \"Projects\"", await watcher.ReadResponseAsync());
        await actor.CommandAsync("RENAME Projects Archive2026");
        Assert.Equal("* LIST () \"/\" \"Archive2026\" (\"OLDNAME\" (\"Projects\"))", await watcher.ReadResponseAsync());
        await actor.CommandAsync("SUBSCRIBE Archive2026");
        Assert.Equal("* LIST (\\Subscribed) \"/\" \"Archive2026\"", await watcher.ReadResponseAsync());
        await actor.CommandAsync("UNSUBSCRIBE Archive2026");
        Assert.Equal("* LIST () \"/\" \"Archive2026\"", await watcher.ReadResponseAsync());
        await actor.CommandAsync("DELETE Archive2026");
        Assert.Equal("* LIST (\\NonExistent) \"/\" \"Archive2026\"", await watcher.ReadResponseAsync());
        Assert.Equal(["A004 OK NOOP completed"], await watcher.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task After_enable_imap4rev2_mailbox_name_events_name_folders_in_utf8_not_modified_utf7()
    {
        var mailbox = await host.CreateMailboxAsync();
        await using var watcher = await host.RawAsync();
        await watcher.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await watcher.CommandAsync("ENABLE IMAP4rev2");
        Assert.Equal(["A003 OK NOTIFY completed"], await watcher.CommandAsync("NOTIFY SET (personal (MailboxName))"));

        await using var actor = await host.RawAsync();
        await actor.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await actor.CommandAsync("CREATE \"R&AOk-sum&AOk-\""); // modified UTF-7 for "Résumé" from an IMAP4rev1 session
        var length = System.Text.Encoding.UTF8.GetByteCount("R\u00e9sum\u00e9");
        var latin1 = System.Text.Encoding.Latin1.GetString(System.Text.Encoding.UTF8.GetBytes("R\u00e9sum\u00e9"));
        Assert.Equal($"* LIST () \"/\" {{{length}}}\r\n{latin1}", await watcher.ReadResponseAsync());
    }

    [Fact]
    public async Task A_session_that_cannot_tell_its_events_says_notificationoverflow_and_stops_notifying()
    {
        var mailbox = await host.CreateMailboxAsync();
        await using var watcher = await host.RawAsync();
        await watcher.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await host.Index.CreateFolderAsync(mailbox.MailboxId, "Busy");
        Assert.Equal(["A002 OK NOTIFY completed"], await watcher.CommandAsync("NOTIFY SET (personal (SubscriptionChange))"));
        // A command in progress (a synchronising literal not sent yet): events pile up.
        const string message = "Subject: held\r\n\r\nBody.\r\n";
        await watcher.WriteAsync($"A003 APPEND INBOX {{{message.Length}}}\r\n");
        Assert.StartsWith("+", await watcher.ReadLineAsync(), StringComparison.Ordinal);
        await using var actor = await host.RawAsync();
        await actor.LoginAsync(mailbox.Address, ImapTestHost.Password);
        for (var i = 0; i < 11; i++)
        {
            await actor.CommandAsync("SUBSCRIBE Busy");
            await actor.CommandAsync("UNSUBSCRIBE Busy");
        }
        await watcher.WriteAsync(message + "\r\n");
        var lines = await watcher.ReadUntilTaggedAsync("A003");
        Assert.Equal("* OK [NOTIFICATIONOVERFLOW] Too many events pending: NOTIFY is off now", lines[0]);
        Assert.StartsWith("A003 OK", lines[^1], StringComparison.Ordinal);
        await actor.CommandAsync("SUBSCRIBE Busy");
        var noop = await watcher.CommandAsync("NOOP");
        Assert.Equal([watcher.LastTag + " OK NOOP completed"], noop);
    }

    [Fact]
    public async Task Mailkit_sets_notify_and_hears_of_new_mail_in_another_folder()
    {
        var mailbox = await host.CreateMailboxAsync();
        var other = await host.Index.CreateFolderAsync(mailbox.MailboxId, "Lists");
        using var client = await host.ConnectAsync(mailbox);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Notify));
        var lists = await client.GetFolderAsync("Lists");
        var counted = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        lists.CountChanged += (_, _) =>
        {
            if (lists.Count > 0)
            {
                counted.TrySetResult(lists.Count); // NOTIFY SET STATUS told 0 first
            }
        };
        await client.NotifyAsync(true, [new ImapEventGroup(ImapMailboxFilter.Personal, [new ImapEvent.MessageNew(MessageSummaryItems.None), ImapEvent.MessageExpunge])]);
        await host.DeliverAsync(mailbox, ImapTestHost.Message("for the list"), other!.FolderId);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!counted.Task.IsCompleted)
        {
            await client.NoOpAsync(deadline.Token); // MailKit reads the unsolicited STATUS with the next response
        }
        Assert.Equal(1, await counted.Task);
        await client.DisableNotifyAsync();
        await client.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task A_change_written_by_another_process_reaches_a_notify_session_through_the_change_feed()
    {
        await using var listener = await ListenerHost.StartAsync(ImapChangeFeedTests.SlowPolls);
        var prefix = listener.Services.GetRequiredService<StorageOptions>().Prefix;
        await using var ingest = await TestStorage.CreateServicesAsync(prefix, TestStorage.FeedOn.ToDictionary()); // the Function App, in effect
        var mailbox = await ImapChangeFeedTests.CreateMailboxAsync(listener);
        var folder = await listener.Services.GetRequiredService<MailboxIndex>().CreateFolderAsync(mailbox.MailboxId, "Remote");
        await using var raw = await RawImap.ConnectAsync(listener.Ports.Imap);
        await raw.LoginAsync(mailbox.Address, "correct horse battery staple");
        Assert.Equal(["A002 OK NOTIFY completed"], await raw.CommandAsync("NOTIFY SET (mailboxes Remote (MessageNew MessageExpunge))"));
        await ImapChangeFeedTests.DeliverAsync(ingest, mailbox, "from afar", folder!.FolderId);
        Assert.Equal($"* STATUS \"Remote\" (MESSAGES 1 UIDNEXT 2 UIDVALIDITY {folder.UidValidity})", await ImapChangeFeedTests.WaitForAsync(raw, "* STATUS"));
    }

    [Fact]
    public async Task Mailbox_names_and_subscriptions_changed_through_another_process_arrive_through_the_change_feed_each_told_once()
    {
        await using var a = await ListenerHost.StartAsync(ImapChangeFeedTests.SlowPolls);
        var prefix = a.Services.GetRequiredService<StorageOptions>().Prefix;
        await using var b = await ListenerHost.StartAsync(ImapChangeFeedTests.SlowPolls, prefix);
        var mailbox = await ImapChangeFeedTests.CreateMailboxAsync(a);
        const string password = "correct horse battery staple";
        await using var watcher = await RawImap.ConnectAsync(b.Ports.Imap);
        await watcher.LoginAsync(mailbox.Address, password);
        Assert.Equal(["A002 OK NOTIFY completed"], await watcher.CommandAsync("NOTIFY SET (personal (MailboxName SubscriptionChange))"));
        Assert.StartsWith("A003 OK", Assert.Single(await watcher.CommandAsync("CREATE Mine")), StringComparison.Ordinal); // its own: no LIST
        await using (var neighbour = await RawImap.ConnectAsync(b.Ports.Imap))
        {
            // Another session of the same process: told at once by its command, and not again when A's changes make B read the list.
            await neighbour.LoginAsync(mailbox.Address, password);
            await neighbour.CommandAsync("CREATE Local");
        }
        Assert.Equal("* LIST () \"/\" \"Local\"", await ImapChangeFeedTests.WaitForAsync(watcher, "* LIST"));

        await using var actor = await RawImap.ConnectAsync(a.Ports.Imap);
        await actor.LoginAsync(mailbox.Address, password);
        await actor.CommandAsync("CREATE Projects");
        Assert.Equal("* LIST () \"/\" \"Projects\"", await ImapChangeFeedTests.WaitForAsync(watcher, "* LIST"));
        await actor.CommandAsync("RENAME Projects Archive2026");
        Assert.Equal("* LIST () \"/\" \"Archive2026\" (\"OLDNAME\" (\"Projects\"))", await ImapChangeFeedTests.WaitForAsync(watcher, "* LIST"));
        await actor.CommandAsync("SUBSCRIBE Archive2026");
        Assert.Equal("* LIST (\\Subscribed) \"/\" \"Archive2026\"", await ImapChangeFeedTests.WaitForAsync(watcher, "* LIST"));
        await actor.CommandAsync("UNSUBSCRIBE Archive2026");
        Assert.Equal("* LIST () \"/\" \"Archive2026\"", await ImapChangeFeedTests.WaitForAsync(watcher, "* LIST"));
        await actor.CommandAsync("DELETE Archive2026");
        Assert.Equal("* LIST (\\NonExistent) \"/\" \"Archive2026\"", await ImapChangeFeedTests.WaitForAsync(watcher, "* LIST"));
        Assert.Equal(["A004 OK NOOP completed"], await watcher.CommandAsync("NOOP"));
    }
}
