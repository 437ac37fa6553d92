using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>Small extensions and details of issue 17: APPENDLIMIT, STATUS=SIZE, CREATE-SPECIAL-USE, WITHIN, OBJECTID, CONDSTORE with ESEARCH.</summary>
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
        foreach (var cap in new[] { " APPENDLIMIT=52428800", " STATUS=SIZE", " CREATE-SPECIAL-USE", " WITHIN", " OBJECTID" })
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
        Assert.EndsWith("CREATE completed", (await imap.CommandAsync("CREATE Starred (USE (\\Flagged))"))[0], StringComparison.Ordinal);
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

    [Fact]
    public async Task Objectid_gives_stable_mailbox_and_email_ids_that_survive_rename_and_copy()
    {
        var mailbox = await host.CreateMailboxAsync();
        await host.DeliverAsync(mailbox, ImapTestHost.Message("one"));
        await host.DeliverAsync(mailbox, ImapTestHost.Message("two"));
        await using var imap = await host.RawAsync();
        await imap.LoginAsync(mailbox.Address, ImapTestHost.Password);
        var created = (await imap.CommandAsync("CREATE Work"))[^1];
        var mailboxId = System.Text.RegularExpressions.Regex.Match(created, @"^A002 OK \[MAILBOXID \((F[0-9-]+)\)\] CREATE completed$").Groups[1].Value;
        Assert.NotEmpty(mailboxId);
        await imap.CommandAsync("RENAME Work Job");
        Assert.Equal([$"* STATUS \"Job\" (MAILBOXID ({mailboxId}))", "A004 OK STATUS completed"], await imap.CommandAsync("STATUS Job (MAILBOXID)"));
        var select = await imap.CommandAsync("SELECT INBOX");
        Assert.Single(select, l => l.StartsWith("* OK [MAILBOXID (F", StringComparison.Ordinal) && !l.Contains(mailboxId, StringComparison.Ordinal));

        var fetched = await imap.CommandAsync("FETCH 1:2 (EMAILID THREADID)");
        var ids = fetched.Take(2).Select(l => System.Text.RegularExpressions.Regex.Match(l, @"^\* \d FETCH \(EMAILID \((M[0-9a-f]{24})\) THREADID NIL\)$").Groups[1].Value).ToList();
        Assert.All(ids, id => Assert.NotEmpty(id));
        Assert.NotEqual(ids[0], ids[1]);
        Assert.Equal("* SEARCH 2", (await imap.CommandAsync($"SEARCH EMAILID {ids[1]}"))[0]);
        Assert.Equal("* SEARCH", (await imap.CommandAsync($"SEARCH THREADID {ids[1]}"))[0]);
        await imap.CommandAsync("COPY 2 Job");
        await imap.CommandAsync("SELECT Job");
        Assert.Equal($"* 1 FETCH (EMAILID ({ids[1]}))", (await imap.CommandAsync("FETCH 1 EMAILID"))[0]);
    }

    [Fact]
    public async Task The_first_condstore_enabling_command_tells_highestmodseq_and_esearch_min_max_give_their_own_modseq()
    {
        var (_, raw) = await host.SelectedAsync(3);
        await using var _raw = raw;
        var fetch = await raw.CommandAsync("FETCH 1 MODSEQ");
        Assert.Matches(@"^\* OK \[HIGHESTMODSEQ \d+\] ", fetch[0]);
        Assert.StartsWith("* 1 FETCH (MODSEQ (", fetch[1], StringComparison.Ordinal);
        Assert.DoesNotContain((await raw.CommandAsync("FETCH 1 MODSEQ")), l => l.Contains("HIGHESTMODSEQ", StringComparison.Ordinal));

        long Stored(List<string> lines) => long.Parse(System.Text.RegularExpressions.Regex.Match(lines[0], @"MODSEQ \((\d+)\)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var m1 = Stored(await raw.CommandAsync("STORE 1 +FLAGS (\\Seen)"));
        var m3 = Stored(await raw.CommandAsync("STORE 3 +FLAGS (\\Seen)"));
        var m2 = Stored(await raw.CommandAsync("STORE 2 +FLAGS (\\Seen)"));
        Assert.True(m1 < m3 && m3 < m2);
        Assert.EndsWith($"MIN 1 MODSEQ {m1}", (await raw.CommandAsync("SEARCH RETURN (MIN) 1:3 MODSEQ 1"))[0], StringComparison.Ordinal);
        Assert.EndsWith($"MAX 3 MODSEQ {m3}", (await raw.CommandAsync("SEARCH RETURN (MAX) 1:3 MODSEQ 1"))[0], StringComparison.Ordinal);
        Assert.EndsWith($"MIN 1 MAX 3 MODSEQ {m3}", (await raw.CommandAsync("SEARCH RETURN (MIN MAX) 1:3 MODSEQ 1"))[0], StringComparison.Ordinal);
        Assert.EndsWith($"ALL 1:3 MODSEQ {m2}", (await raw.CommandAsync("SEARCH RETURN () 1:3 MODSEQ 1"))[0], StringComparison.Ordinal);
    }
}
