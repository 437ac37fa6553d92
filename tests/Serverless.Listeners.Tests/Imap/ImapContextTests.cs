using MailKit;
using MailKit.Search;
using Serverless.Mail.Accounts;
using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>
/// RFC 5267 ESORT, CONTEXT=SEARCH and CONTEXT=SORT against a real listener: SORT with RETURN
/// options, PARTIAL windows of SEARCH and SORT, and results kept up to date (UPDATE, ADDTO /
/// REMOVEFROM, CANCELUPDATE) from the changes the session learns of.
/// </summary>
public sealed class ImapContextTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    /// <summary>A mailbox with <paramref name="messages"/> messages a minute apart (so ARRIVAL has no ties), INBOX selected.</summary>
    private async Task<(MailboxRecord Mailbox, RawImap Raw)> SelectedAsync(int messages)
    {
        var mailbox = await host.CreateMailboxAsync();
        for (var i = 1; i <= messages; i++)
        {
            await host.DeliverAsync(mailbox, ImapTestHost.Message("m" + i), internalDate: new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(i));
        }
        var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await raw.CommandAsync("SELECT INBOX");
        return (mailbox, raw);
    }

    /// <summary>Runs a command and checks its tagged status (the tag is known only once it was sent).</summary>
    private static async Task ExpectAsync(RawImap raw, string command, string status)
    {
        var lines = await raw.CommandAsync(command);
        Assert.StartsWith(raw.LastTag + " " + status, lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sort_answers_esearch_and_partial_windows_slice_search_and_sort_results()
    {
        var (mailbox, raw) = await SelectedAsync(5);
        await using var _ = raw;
        var caps = (await raw.CommandAsync("CAPABILITY"))[0] + " ";
        foreach (var cap in new[] { " ESORT ", " CONTEXT=SEARCH ", " CONTEXT=SORT " })
        {
            Assert.Contains(cap, caps, StringComparison.Ordinal);
        }
        // The first untagged line, its search correlator written "(TAG)".
        async Task<string> Untagged(string command) => (await raw.CommandAsync(command))[0].Replace($"(TAG \"{raw.LastTag}\")", "(TAG)", StringComparison.Ordinal);
        async Task<string> Tagged(string command) => (await raw.CommandAsync(command))[^1][(raw.LastTag.Length + 1)..];

        // ESORT: MIN and MAX are the first and last in sort order; ALL keeps the order.
        Assert.Equal("* ESEARCH (TAG) MIN 5 MAX 1 COUNT 5 ALL 5,4,3,2,1",
            await Untagged("SORT RETURN (MIN MAX COUNT ALL) (REVERSE ARRIVAL) UTF-8 ALL"));
        Assert.Equal("* ESEARCH (TAG) ALL 1:5", await Untagged("SORT RETURN () (ARRIVAL) UTF-8 ALL"));
        Assert.Equal("* ESEARCH (TAG) COUNT 0", await Untagged("SORT RETURN (COUNT MIN) (ARRIVAL) UTF-8 SUBJECT nothing-like-this"));

        // PARTIAL: positions in the result, "4:2" as "2:4", past the end NIL.
        Assert.Equal("* ESEARCH (TAG) PARTIAL (2:4 2:4)", await Untagged("SEARCH RETURN (PARTIAL 4:2) ALL"));
        Assert.Equal("* ESEARCH (TAG) PARTIAL (1:9 1:2,4:5)", await Untagged("SEARCH RETURN (PARTIAL 1:9) 1:2,4:5"));
        Assert.Equal("* ESEARCH (TAG) PARTIAL (6:8 NIL)", await Untagged("SEARCH RETURN (PARTIAL 6:8) ALL"));
        Assert.Equal("* ESEARCH (TAG) PARTIAL (2:3 4,3)", await Untagged("SORT RETURN (PARTIAL 2:3) (REVERSE ARRIVAL) UTF-8 ALL"));
        var fetched = await raw.CommandAsync("FETCH 4:5 UID");
        var uids = fetched.Take(2).Select(l => l.Split(' ')[^1].TrimEnd(')')).ToArray();
        Assert.Equal($"* ESEARCH (TAG) UID PARTIAL (1:2 {uids[1]},{uids[0]})", await Untagged("UID SORT RETURN (PARTIAL 1:2) (REVERSE ARRIVAL) UTF-8 ALL"));
        foreach (var bad in new[] { "SEARCH RETURN (PARTIAL 1) ALL", "SEARCH RETURN (PARTIAL 1:*) ALL", "SEARCH RETURN (PARTIAL 0:2) ALL", "SEARCH RETURN (ALL PARTIAL 1:2) ALL" })
        {
            Assert.StartsWith("BAD", await Tagged(bad), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Search_update_reports_additions_and_removals_until_cancelled()
    {
        var (mailbox, raw) = await SelectedAsync(4);
        await using var _ = raw;
        var started = await raw.CommandAsync("SEARCH RETURN (UPDATE) SEEN");
        var tag = raw.LastTag;
        Assert.Equal($"* ESEARCH (TAG \"{tag}\")", started[0]);
        Assert.StartsWith(tag + " OK", started[^1], StringComparison.Ordinal);

        // Its own STOREs.
        Assert.Contains($"* ESEARCH (TAG \"{tag}\") ADDTO (0 1,3)", await raw.CommandAsync("STORE 1,3 +FLAGS (\\Seen)"));
        Assert.Contains($"* ESEARCH (TAG \"{tag}\") REMOVEFROM (0 1)", await raw.CommandAsync("STORE 1 -FLAGS (\\Seen)"));

        // An expunged result is removed before the EXPUNGE, while its number still holds.
        await raw.CommandAsync("STORE 3 +FLAGS (\\Deleted)");
        var expunge = await raw.CommandAsync("EXPUNGE");
        var removed = expunge.IndexOf($"* ESEARCH (TAG \"{tag}\") REMOVEFROM (0 3)");
        Assert.True(removed >= 0 && removed < expunge.IndexOf("* 3 EXPUNGE"), string.Join(" | ", expunge));

        // New mail found by a change check: EXISTS, then the addition.
        await host.DeliverAsync(mailbox, ImapTestHost.Message("new"), flags: ["\\Seen"]);
        var noop = await raw.CommandAsync("NOOP");
        Assert.True(noop.IndexOf("* 4 EXISTS") is >= 0 and var exists && exists < noop.IndexOf($"* ESEARCH (TAG \"{tag}\") ADDTO (0 4)"), string.Join(" | ", noop));

        // Another search keeps its own context; a second UPDATE with COUNT is not kept.
        var counted = await raw.CommandAsync("SEARCH RETURN (UPDATE COUNT) ALL");
        Assert.Contains($"* NO [NOUPDATE \"{raw.LastTag}\"] Only ALL results are kept updated", counted);
        Assert.StartsWith(raw.LastTag + " OK", counted[^1], StringComparison.Ordinal);

        await ExpectAsync(raw, $"CANCELUPDATE \"{tag}\"", "OK");
        var after = await raw.CommandAsync("STORE 1 +FLAGS (\\Seen)");
        Assert.DoesNotContain(after, l => l.StartsWith("* ESEARCH", StringComparison.Ordinal));
        await ExpectAsync(raw, $"CANCELUPDATE \"{tag}\"", "BAD");
    }

    [Fact]
    public async Task Sort_update_names_the_positions_in_sort_order_and_ends_with_the_folder()
    {
        var (mailbox, raw) = await SelectedAsync(4);
        await using var _ = raw;
        var started = await raw.CommandAsync("UID SORT RETURN (UPDATE ALL) (REVERSE ARRIVAL) UTF-8 FLAGGED");
        var tag = raw.LastTag;
        Assert.Equal($"* ESEARCH (TAG \"{tag}\") UID", started[0]);
        var uids = (await raw.CommandAsync("FETCH 1:4 UID")).Take(4).Select(l => l.Split(' ')[^1].TrimEnd(')')).ToArray();

        Assert.Contains($"* ESEARCH (TAG \"{tag}\") UID ADDTO (1 {uids[1]})", await raw.CommandAsync("STORE 2 +FLAGS (\\Flagged)"));
        Assert.Contains($"* ESEARCH (TAG \"{tag}\") UID ADDTO (1 {uids[3]})", await raw.CommandAsync("STORE 4 +FLAGS (\\Flagged)"));
        Assert.Contains($"* ESEARCH (TAG \"{tag}\") UID ADDTO (2 {uids[2]})", await raw.CommandAsync("STORE 3 +FLAGS (\\Flagged)"));
        Assert.Contains($"* ESEARCH (TAG \"{tag}\") UID REMOVEFROM (1 {uids[3]})", await raw.CommandAsync("STORE 4 -FLAGS (\\Flagged)"));

        // Leaving the folder ends the context: CANCELUPDATE no longer knows it.
        await raw.CommandAsync("UNSELECT");
        await raw.CommandAsync("SELECT INBOX");
        Assert.DoesNotContain(await raw.CommandAsync("STORE 1 +FLAGS (\\Flagged)"), l => l.StartsWith("* ESEARCH", StringComparison.Ordinal));
        await ExpectAsync(raw, $"CANCELUPDATE \"{tag}\"", "BAD");
    }

    [Fact]
    public async Task MailKit_sorts_with_esort_return_options()
    {
        var mailbox = await host.CreateMailboxAsync();
        for (var i = 1; i <= 4; i++)
        {
            await host.DeliverAsync(mailbox, ImapTestHost.Message("m" + i), flags: i == 2 ? ["\\Seen"] : null);
        }
        using var client = await host.ConnectAsync(mailbox);
        Assert.True(client.Capabilities.HasFlag(MailKit.Net.Imap.ImapCapabilities.ESort));
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly);
        var all = await inbox.SearchAsync(SearchQuery.All);
        var results = await inbox.SortAsync(SearchOptions.All | SearchOptions.Count | SearchOptions.Min | SearchOptions.Max, SearchQuery.NotSeen, [OrderBy.ReverseArrival]);
        Assert.Equal(3, results.Count);
        Assert.Equal([all[3], all[2], all[0]], results.UniqueIds);
        Assert.Equal(all[3], results.Min);
        Assert.Equal(all[0], results.Max);
    }
}
