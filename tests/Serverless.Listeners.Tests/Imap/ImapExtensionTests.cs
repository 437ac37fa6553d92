using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>Small extensions of issue 17: APPENDLIMIT, STATUS=SIZE, CREATE-SPECIAL-USE, WITHIN.</summary>
public sealed class ImapExtensionTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    [Fact]
    public async Task Capabilities_announce_the_append_limit_and_status_gives_size_and_appendlimit()
    {
        var mailbox = await host.CreateMailboxAsync();
        var raw = ImapTestHost.Message("sized");
        await host.DeliverAsync(mailbox, raw);
        await using var imap = await host.RawAsync();
        await imap.LoginAsync(mailbox.Address, ImapTestHost.Password);
        var capability = (await imap.CommandAsync("CAPABILITY"))[0];
        foreach (var cap in new[] { " APPENDLIMIT=52428800", " STATUS=SIZE", " CREATE-SPECIAL-USE", " WITHIN" })
        {
            Assert.Contains(cap, capability, StringComparison.Ordinal);
        }
        Assert.Equal(
            [$"* STATUS \"INBOX\" (MESSAGES 1 SIZE {System.Text.Encoding.UTF8.GetByteCount(raw)} APPENDLIMIT 52428800)", "A003 OK STATUS completed"],
            await imap.CommandAsync("STATUS INBOX (MESSAGES SIZE APPENDLIMIT)"));
    }

    [Fact]
    public async Task Create_with_a_special_use_lists_it_and_unknown_or_several_uses_are_refused_with_useattr()
    {
        var mailbox = await host.CreateMailboxAsync();
        await using var imap = await host.RawAsync();
        await imap.LoginAsync(mailbox.Address, ImapTestHost.Password);
        Assert.Equal(["A002 OK CREATE completed"], await imap.CommandAsync("CREATE Starred (USE (\\Flagged))"));
        Assert.Equal(
            ["* LIST (\\HasNoChildren \\Flagged) \"/\" \"Starred\"", "A003 OK LIST completed"],
            await imap.CommandAsync("LIST \"\" Starred RETURN (SPECIAL-USE)"));
        Assert.Equal(["A004 NO [USEATTR] Unknown special use \\Important"], await imap.CommandAsync("CREATE Imp (USE (\\Important))"));
        Assert.Equal(["A005 NO [USEATTR] A folder has at most one special use here"], await imap.CommandAsync("CREATE Two (USE (\\Sent \\Trash))"));
        Assert.Equal(["A006 OK LIST completed"], await imap.CommandAsync("LIST \"\" (Imp Two)"));
        Assert.Equal("A007 BAD", (await imap.CommandAsync("CREATE Bad (COLOR (red))"))[0][..8]);
    }

    [Fact]
    public async Task Within_older_and_younger_compare_the_internal_date_with_now_in_seconds()
    {
        var mailbox = await host.CreateMailboxAsync();
        await host.DeliverAsync(mailbox, ImapTestHost.Message("week old"), internalDate: DateTimeOffset.UtcNow.AddDays(-7));
        await host.DeliverAsync(mailbox, ImapTestHost.Message("hour old"), internalDate: DateTimeOffset.UtcNow.AddHours(-1));
        await host.DeliverAsync(mailbox, ImapTestHost.Message("new"));
        await using var imap = await host.RawAsync();
        await imap.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await imap.CommandAsync("SELECT INBOX");
        Assert.Equal("* SEARCH 1", (await imap.CommandAsync("SEARCH OLDER 86400"))[0]);
        Assert.Equal("* SEARCH 2 3", (await imap.CommandAsync("SEARCH YOUNGER 86400"))[0]);
        Assert.Equal("* SEARCH 2", (await imap.CommandAsync("SEARCH YOUNGER 86400 OLDER 600"))[0]);
        Assert.Equal("* SEARCH 1 2", (await imap.CommandAsync("UID SEARCH NOT YOUNGER 600"))[0]);
        Assert.StartsWith("A007 BAD", (await imap.CommandAsync("SEARCH OLDER 0"))[0], StringComparison.Ordinal);
    }
}
