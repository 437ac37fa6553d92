using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>LIST-EXTENDED (RFC 5258) details imaptest's listext script holds servers to.</summary>
public sealed class ImapListExtendedTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    [Fact]
    public async Task A_deleted_subscribed_folder_stays_subscribed_and_lists_as_nonexistent_until_unsubscribed()
    {
        var mailbox = await host.CreateMailboxAsync();
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await raw.CommandAsync("CREATE Old");
        await raw.CommandAsync("SUBSCRIBE Old");
        Assert.Equal("A004 OK DELETE completed", (await raw.CommandAsync("DELETE Old"))[^1]);

        Assert.Equal(
            ["* LIST (\\NonExistent \\HasNoChildren \\Subscribed) \"/\" \"Old\"", "A005 OK LIST completed"],
            await raw.CommandAsync("LIST (SUBSCRIBED) \"\" \"Old*\""));
        Assert.Equal(["A006 OK LIST completed"], await raw.CommandAsync("LIST \"\" \"Old*\""));
        Assert.Equal(["* LSUB (\\Noselect) \"/\" \"Old\"", "A007 OK LSUB completed"], await raw.CommandAsync("LSUB \"\" \"Old\""));

        // Created again, the name is subscribed already; one UNSUBSCRIBE ends both.
        await raw.CommandAsync("CREATE Old");
        Assert.Equal(
            ["* LIST (\\HasNoChildren \\Subscribed) \"/\" \"Old\"", "A009 OK LIST completed"],
            await raw.CommandAsync("LIST (SUBSCRIBED) \"\" \"Old\""));
        Assert.Equal("A010 OK UNSUBSCRIBE completed", (await raw.CommandAsync("UNSUBSCRIBE Old"))[^1]);
        Assert.Equal(["A011 OK LIST completed"], await raw.CommandAsync("LIST (SUBSCRIBED) \"\" \"Old\""));

        await raw.CommandAsync("SUBSCRIBE Old");
        await raw.CommandAsync("DELETE Old");
        Assert.Equal("A014 OK UNSUBSCRIBE completed", (await raw.CommandAsync("UNSUBSCRIBE Old"))[^1]);
        Assert.Equal(["A015 OK LSUB completed"], await raw.CommandAsync("LSUB \"\" \"*\"").ContinueWith(t => t.Result.Where(l => !l.Contains("INBOX", StringComparison.Ordinal) && !l.StartsWith("* LSUB () ", StringComparison.Ordinal)).ToList()));
        Assert.Equal("A016 NO [NONEXISTENT] Mailbox does not exist", (await raw.CommandAsync("UNSUBSCRIBE Old"))[^1]);
    }

    [Fact]
    public async Task Recursivematch_gives_childinfo_only_to_parents_whose_subscribed_children_are_not_listed_themselves()
    {
        var mailbox = await host.CreateMailboxAsync();
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await raw.CommandAsync("CREATE P/C");
        await raw.CommandAsync("SUBSCRIBE P/C");

        Assert.Equal(
            ["* LIST (\\HasChildren) \"/\" \"P\" (\"CHILDINFO\" (\"SUBSCRIBED\"))", "A004 OK LIST completed"],
            await raw.CommandAsync("LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (P)"));
        // The child is listed itself: its parent needs no CHILDINFO (and is not subscribed).
        Assert.Equal(
            ["* LIST (\\HasNoChildren \\Subscribed) \"/\" \"P/C\"", "A005 OK LIST completed"],
            await raw.CommandAsync("LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (P P/C)"));
        Assert.Equal(
            ["* LIST (\\HasNoChildren \\Subscribed) \"/\" \"P/C\"", "A006 OK LIST completed"],
            await raw.CommandAsync("LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"P*\""));
    }
}
