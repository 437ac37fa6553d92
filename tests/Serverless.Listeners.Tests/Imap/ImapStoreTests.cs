using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>STORE and its CONDSTORE form (RFC 3501 6.4.6, RFC 7162).</summary>
public sealed class ImapStoreTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    [Fact]
    public async Task Store_adds_removes_replaces_and_stays_silent_when_asked()
    {
        var (_, raw) = await host.SelectedAsync(3);
        await using var _ = raw;
        Assert.Equal(["* 1 FETCH (FLAGS (\\Flagged \\Recent))", "* 2 FETCH (FLAGS (\\Flagged \\Recent))", "A003 OK STORE completed"],
            await raw.CommandAsync("STORE 1:2 +FLAGS (\\Flagged)"));
        Assert.Equal(["* 2 FETCH (FLAGS (\\Recent))", "A004 OK STORE completed"], await raw.CommandAsync("STORE 2 -FLAGS \\Flagged"));
        // A new keyword is announced before the FETCH that shows it (RFC 3501 7.2.6).
        Assert.Equal(["* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work)", "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work \\*)] Flags permitted",
            "* 3 FETCH (FLAGS ($Work \\Seen \\Recent) UID 3)", "A005 OK UID STORE completed"], await raw.CommandAsync("UID STORE 3 FLAGS ($Work \\Seen)"));
        Assert.Equal(["A006 OK STORE completed"], await raw.CommandAsync("STORE 1 +FLAGS.SILENT (\\Deleted)"));
        Assert.Equal(["* 1 FETCH (FLAGS (\\Flagged \\Deleted \\Recent))", "* 2 FETCH (FLAGS (\\Recent))", "* 3 FETCH (FLAGS ($Work \\Seen \\Recent))", "A007 OK FETCH completed"],
            await raw.CommandAsync("FETCH 1:* FLAGS"));
        Assert.Equal(["A008 BAD Invalid message sequence number"], await raw.CommandAsync("STORE 9 +FLAGS \\Seen"));
        Assert.Equal(["A009 OK UID STORE completed"], await raw.CommandAsync("UID STORE 99 +FLAGS \\Seen")); // absent UIDs are skipped
        var select = await raw.CommandAsync("SELECT INBOX");
        Assert.Contains("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work)", select);
    }

    [Fact]
    public async Task Condstore_modseq_changedsince_and_unchangedsince()
    {
        var (_, raw) = await host.SelectedAsync(3);
        await using var _ = raw;
        var select = await raw.CommandAsync("SELECT INBOX (CONDSTORE)");
        var highest = long.Parse(select.Single(l => l.StartsWith("* OK [HIGHESTMODSEQ ", StringComparison.Ordinal)).Split(' ', ']')[3]);
        var store = await raw.CommandAsync("STORE 2 +FLAGS (\\Answered)");
        // The second SELECT of this session finds nothing new to claim as \\Recent.
        Assert.Equal($"* 2 FETCH (FLAGS (\\Answered) MODSEQ ({highest + 1}))", store[0]);
        Assert.Equal([$"* 2 FETCH (UID 2 FLAGS (\\Answered) MODSEQ ({highest + 1}))", "A005 OK UID FETCH completed"],
            await raw.CommandAsync($"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {highest})"));
        Assert.Equal([$"* 1 FETCH (MODSEQ ({highest + 2}))", "A006 OK [MODIFIED 2] Conditional STORE failed for some messages"],
            await raw.CommandAsync($"STORE 1:2 (UNCHANGEDSINCE {highest}) +FLAGS.SILENT (\\Flagged)"));
        Assert.Equal([$"* SEARCH 1 2 (MODSEQ {highest + 2})", "A007 OK SEARCH completed"], await raw.CommandAsync($"SEARCH MODSEQ {highest + 1}"));
    }
}
