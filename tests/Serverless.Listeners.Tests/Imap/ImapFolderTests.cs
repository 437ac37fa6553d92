using MailKit;
using MailKit.Net.Imap;
using Xunit;

namespace Serverless.Listeners.Tests.Imap;

public sealed class ImapFolderTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    [Fact]
    public async Task Create_nested_list_attributes_rename_with_children_and_delete_leaving_a_noselect_parent()
    {
        var mailbox = await host.CreateMailboxAsync();
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);

        Assert.Matches(@"^A002 OK \[MAILBOXID \(F\d+-\d+\)\] CREATE completed$", (await raw.CommandAsync("CREATE \"Projects/2026/Q1/\""))[^1]);
        var list = await raw.CommandAsync("LIST \"\" \"Projects*\"");
        Assert.Equal(
        [
            "* LIST (\\HasChildren) \"/\" \"Projects\"",
            "* LIST (\\HasChildren) \"/\" \"Projects/2026\"",
            "* LIST (\\HasNoChildren) \"/\" \"Projects/2026/Q1\"",
            "A003 OK LIST completed",
        ], list);
        Assert.Equal("A004 NO [ALREADYEXISTS] Mailbox already exists", (await raw.CommandAsync("CREATE Projects"))[^1]);

        // RENAME moves the children along (RFC 3501 6.3.5).
        Assert.Equal("A005 OK RENAME completed", (await raw.CommandAsync("RENAME Projects Work"))[^1]);
        Assert.Equal(
        [
            "* LIST (\\HasChildren) \"/\" \"Work\"",
            "* LIST (\\HasChildren) \"/\" \"Work/2026\"",
            "* LIST (\\HasNoChildren) \"/\" \"Work/2026/Q1\"",
            "A006 OK LIST completed",
        ], await raw.CommandAsync("LIST \"\" \"Work*\""));
        Assert.Equal("A007 NO [NONEXISTENT] Mailbox does not exist", (await raw.CommandAsync("SELECT Projects"))[^1]);
        Assert.Equal("A008 NO [CANNOT] A mailbox cannot be moved below itself", (await raw.CommandAsync("RENAME Work Work/Sub"))[^1]);
        Assert.Equal("A009 NO [ALREADYEXISTS] Target mailbox already exists", (await raw.CommandAsync("RENAME Work Sent"))[^1]);

        // DELETE of a folder with children removes it; its name stays as \Noselect while children exist.
        Assert.Equal("A010 OK DELETE completed", (await raw.CommandAsync("DELETE Work/2026"))[^1]);
        Assert.Equal(
        [
            "* LIST (\\HasChildren) \"/\" \"Work\"",
            "* LIST (\\Noselect \\HasChildren) \"/\" \"Work/2026\"",
            "* LIST (\\HasNoChildren) \"/\" \"Work/2026/Q1\"",
            "A011 OK LIST completed",
        ], await raw.CommandAsync("LIST \"\" \"Work*\""));
        Assert.Equal("A012 NO [CANNOT] Name has inferior hierarchical names and is not selectable", (await raw.CommandAsync("DELETE Work/2026"))[^1]);
        Assert.Equal("A013 NO [CANNOT] INBOX cannot be deleted", (await raw.CommandAsync("DELETE inbox"))[^1]);
        Assert.Equal("A014 NO [NONEXISTENT] Mailbox does not exist", (await raw.CommandAsync("DELETE Nothing"))[^1]);
        Assert.Equal("A015 OK DELETE completed", (await raw.CommandAsync("DELETE Work/2026/Q1"))[^1]);
        Assert.Equal(["* LIST (\\HasNoChildren) \"/\" \"Work\"", "A016 OK LIST completed"], await raw.CommandAsync("LIST \"\" \"Work*\""));
    }

    [Fact]
    public async Task Renaming_inbox_moves_its_messages_and_leaves_it_empty()
    {
        var mailbox = await host.CreateMailboxAsync();
        await host.DeliverAsync(mailbox, ImapTestHost.Message("one"));
        await host.DeliverAsync(mailbox, ImapTestHost.Message("two"));
        await using (var raw = await host.RawAsync())
        {
            await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
            Assert.Equal("A002 OK RENAME completed", (await raw.CommandAsync("RENAME inbox \"Old mail\""))[^1]); // MailKit refuses to send this
        }
        using var client = await host.ConnectAsync(mailbox);

        var old = await client.GetFolderAsync("Old mail");
        await old.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(2, old.Count);
        var subjects = (await old.FetchAsync(0, -1, MessageSummaryItems.Envelope)).Select(s => s.Envelope!.Subject);
        Assert.Equal(["one", "two"], subjects);
        var status = client.Inbox;
        await status.StatusAsync(StatusItems.Count);
        Assert.Equal(0, status.Count);
    }

    [Fact]
    public async Task Subscriptions_special_use_status_and_the_extended_list_forms()
    {
        var mailbox = await host.CreateMailboxAsync();
        await host.DeliverAsync(mailbox, ImapTestHost.Message("unread"));
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await raw.CommandAsync("CREATE News/Tech");
        Assert.Equal("A003 OK SUBSCRIBE completed", (await raw.CommandAsync("SUBSCRIBE News/Tech"))[^1]);
        Assert.Equal("A004 NO [NONEXISTENT] Mailbox does not exist", (await raw.CommandAsync("SUBSCRIBE Nope"))[^1]);

        var lsub = await raw.CommandAsync("LSUB \"\" \"News/%\"");
        Assert.Equal(["* LSUB () \"/\" \"News/Tech\"", "A005 OK LSUB completed"], lsub);
        Assert.Equal(["* LSUB (\\Noselect) \"/\" \"News\"", "A006 OK LSUB completed"], await raw.CommandAsync("LSUB \"\" \"%\"").ContinueWith(t => t.Result.Where(l => l.Contains("News", StringComparison.Ordinal) || l.StartsWith("A006", StringComparison.Ordinal)).ToList()));

        var special = await raw.CommandAsync("LIST (SPECIAL-USE) \"\" \"*\"");
        Assert.Equal(
        [
            "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent\"",
        ], special.Where(l => l.Contains("Sent", StringComparison.Ordinal)));
        Assert.Equal(6, special.Count); // Sent, Drafts, Trash, Junk, Archive + tagged

        var recursive = await raw.CommandAsync("LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"News\"");
        Assert.Equal("* LIST (\\HasChildren) \"/\" \"News\" (\"CHILDINFO\" (\"SUBSCRIBED\"))", recursive[0]);

        var withStatus = await raw.CommandAsync("LIST \"\" (INBOX Drafts) RETURN (CHILDREN STATUS (MESSAGES UNSEEN UIDNEXT))");
        Assert.Equal(
        [
            "* LIST (\\HasNoChildren) \"/\" \"INBOX\"",
            "* STATUS \"INBOX\" (MESSAGES 1 UNSEEN 1 UIDNEXT 2)",
            "* LIST (\\HasNoChildren \\Drafts) \"/\" \"Drafts\"",
            "* STATUS \"Drafts\" (MESSAGES 0 UNSEEN 0 UIDNEXT 1)",
            "A009 OK LIST completed",
        ], withStatus);
        Assert.Equal(["* LIST (\\Noselect) \"/\" \"\"", "A010 OK LIST completed"], await raw.CommandAsync("LIST \"\" \"\""));

        var status = await raw.CommandAsync("STATUS INBOX (MESSAGES RECENT UIDNEXT UNSEEN HIGHESTMODSEQ)");
        Assert.Matches(@"^\* STATUS ""INBOX"" \(MESSAGES 1 RECENT 1 UIDNEXT 2 UNSEEN 1 HIGHESTMODSEQ \d+\)$", status[0]);
        Assert.Equal(["* NAMESPACE ((\"\" \"/\")) NIL NIL", "A012 OK NAMESPACE completed"], await raw.CommandAsync("NAMESPACE"));
        Assert.StartsWith("* ID (\"name\" \"Serverless Mail\"", (await raw.CommandAsync("ID (\"name\" \"test\")"))[0], StringComparison.Ordinal);
        Assert.Equal(["* ENABLED CONDSTORE", "A014 OK ENABLE completed"], await raw.CommandAsync("ENABLE CONDSTORE X-UNKNOWN"));
        Assert.Equal("A015 OK UNSUBSCRIBE completed", (await raw.CommandAsync("UNSUBSCRIBE News/Tech"))[^1]);
        Assert.Equal(["A016 OK LSUB completed"], await raw.CommandAsync("LSUB \"\" \"News*\""));
    }

    [Fact]
    public async Task Mailbox_names_travel_in_modified_utf7()
    {
        var mailbox = await host.CreateMailboxAsync();
        using var client = await host.ConnectAsync(mailbox);
        var root = client.GetFolder(client.PersonalNamespaces[0])!;
        var created = await root.CreateAsync("Entwürfe 日本", isMessageFolder: true);
        Assert.Equal("Entwürfe 日本", created!.FullName);
        var folders = await client.GetFoldersAsync(client.PersonalNamespaces[0]);
        Assert.Contains(folders, f => f.FullName == "Entwürfe 日本");
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        Assert.Contains("* LIST (\\HasNoChildren) \"/\" \"Entw&APw-rfe &ZeVnLA-\"", await raw.CommandAsync("LIST \"\" \"Entw*\""));
    }
}
