using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using Serverless.Mail.Accounts;
using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>
/// SORT (RFC 5256, RFC 5957 DISPLAYFROM), THREAD (REFERENCES and ORDEREDSUBJECT) and ESEARCH
/// (RFC 4731) against a real listener: MailKit's ImapClient for the common uses, raw transcripts
/// for the edges (UID variants, unknown keys, charsets).
/// </summary>
public sealed class ImapSortThreadTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    /// <summary>
    /// Five messages, delivered in this order: 2 starts "Alpha", 3 answers it by References (with a
    /// list tag), 4 answers 3 by In-Reply-To only; 5 "Beta" is the oldest, 1 "Re: Beta" answers it
    /// by subject alone. Dates, sizes and senders are all in a different order from arrival.
    /// </summary>
    private async Task<(MailboxRecord Mailbox, long[] Uids)> FolderAsync()
    {
        var (mailbox, uids, _) = await FolderWithRawsAsync();
        return (mailbox, uids);
    }

    private async Task<(MailboxRecord Mailbox, long[] Uids, string[] Raws)> FolderWithRawsAsync()
    {
        var mailbox = await host.CreateMailboxAsync();
        string[] raws =
        [
            Raw("\"Zed Z\" <zed@x.org>", "amy@x.org", "Re: Beta", "Thu, 1 Jan 2026 10:00:00 +0000", "a@t", null, "a much longer body to make this one the largest of them all"),
            Raw("bob@y.org", "carl@x.org", "Alpha", "Sat, 3 Jan 2026 10:00:00 +0000", "b@t", null, "x"),
            Raw("\"Amy A\" <amy@z.org>", "bob@y.org", "[list] ALPHA", "Fri, 2 Jan 2026 10:00:00 +0000", "c@t", "References: <b@t>\r\n", "medium body"),
            Raw("=?utf-8?q?Bj=C3=B6rn?= <bjorn@y.org>", "dan@x.org", "Re: Alpha", "Sun, 4 Jan 2026 10:00:00 +0000", "d@t", "In-Reply-To: <c@t>\r\n", "yy"),
            Raw("carl@x.org", "ann@x.org", "Beta", "Wed, 31 Dec 2025 10:00:00 +0000", "e@t", null, "zzz"),
        ];
        var uids = new long[raws.Length];
        for (var i = 0; i < raws.Length; i++)
        {
            var flags = i == 4 ? new List<string> { "\\Seen" } : null;
            uids[i] = (await host.DeliverAsync(mailbox, raws[i], flags: flags, internalDate: new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(i))).Uid;
        }
        return (mailbox, uids, raws);
    }

    private static string Raw(string from, string to, string subject, string date, string id, string? extra, string body) =>
        $"From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <{id}>\r\n{extra}\r\n{body}\r\n";

    [Fact]
    public async Task MailKit_sorts_by_each_key_on_the_index()
    {
        var (mailbox, u, raws) = await FolderWithRawsAsync();
        using var client = await host.ConnectAsync(mailbox);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Sort));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.SortDisplay));
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly);

        async Task<long[]> SortAsync(SearchQuery query, params OrderBy[] order) => [.. (await inbox.SortAsync(query, order)).Select(x => (long)x.Id)];

        Assert.Equal([u[4], u[0], u[2], u[1], u[3]], await SortAsync(SearchQuery.All, OrderBy.Date));
        Assert.Equal([u[3], u[1], u[2], u[0]], await SortAsync(SearchQuery.NotSeen, OrderBy.ReverseDate));
        Assert.Equal([u[1], u[2], u[3], u[0], u[4]], await SortAsync(SearchQuery.All, OrderBy.Subject));
        var bySize = Enumerable.Range(0, 5).OrderBy(i => Encoding.UTF8.GetByteCount(raws[i])).ThenBy(i => i).Select(i => u[i]).ToArray();
        Assert.Equal(bySize, await SortAsync(SearchQuery.All, OrderBy.Size));
        Assert.Equal([u[2], u[3], u[1], u[4], u[0]], await SortAsync(SearchQuery.All, OrderBy.From));
        Assert.Equal([u[2], u[3], u[1], u[4], u[0]], await SortAsync(SearchQuery.All, OrderBy.DisplayFrom));
        Assert.Equal([u[0], u[4], u[2], u[1], u[3]], await SortAsync(SearchQuery.All, OrderBy.To));
        Assert.Equal([u[4], u[3], u[2], u[1], u[0]], await SortAsync(SearchQuery.All, OrderBy.ReverseArrival));
        Assert.Equal([u[3], u[1], u[2]], await SortAsync(SearchQuery.SubjectContains("alpha"), OrderBy.ReverseDate));
        Assert.Equal([u[2], u[1], u[3], u[4], u[0]], await SortAsync(SearchQuery.All, OrderBy.Subject, OrderBy.Date));
    }

    [Fact]
    public async Task MailKit_threads_by_references_and_by_ordered_subject()
    {
        var (mailbox, u) = await FolderAsync();
        using var client = await host.ConnectAsync(mailbox);
        Assert.Contains(ThreadingAlgorithm.References, client.ThreadingAlgorithms);
        Assert.Contains(ThreadingAlgorithm.OrderedSubject, client.ThreadingAlgorithms);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly);
        string N(int i) => u[i - 1].ToString(System.Globalization.CultureInfo.InvariantCulture);

        // 1 is "Re: Beta" with no references: gathered under 5 by subject (RFC 5256 step 5).
        Assert.Equal($"({N(5)} {N(1)})({N(2)} {N(3)} {N(4)})", Format(await inbox.ThreadAsync(ThreadingAlgorithm.References, SearchQuery.All)));
        Assert.Equal($"({N(5)} {N(1)})({N(3)} ({N(2)})({N(4)}))", Format(await inbox.ThreadAsync(ThreadingAlgorithm.OrderedSubject, SearchQuery.All)));
        Assert.Equal($"({N(2)} {N(4)})", Format(await inbox.ThreadAsync(ThreadingAlgorithm.References, SearchQuery.Not(SearchQuery.HeaderContains("References", "")).And(SearchQuery.SubjectContains("alpha")))));
    }

    [Fact]
    public async Task MailKit_search_uses_esearch_for_min_max_count_and_all()
    {
        var (mailbox, u) = await FolderAsync();
        using var client = await host.ConnectAsync(mailbox);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.ESearch));
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly);
        var results = await inbox.SearchAsync(SearchOptions.All | SearchOptions.Count | SearchOptions.Min | SearchOptions.Max, SearchQuery.NotSeen);
        Assert.Equal(4, results.Count);
        Assert.Equal(u[0], (long)results.Min!.Value.Id);
        Assert.Equal(u[3], (long)results.Max!.Value.Id);
        Assert.Equal(u[..4], results.UniqueIds.Select(x => (long)x.Id));
        var none = await inbox.SearchAsync(SearchOptions.Count | SearchOptions.Min, SearchQuery.SubjectContains("no such subject"));
        Assert.Equal(0, none.Count);
        Assert.Null(none.Min);
    }

    [Fact]
    public async Task Raw_transcripts_for_uid_variants_and_errors()
    {
        var (mailbox, u) = await FolderAsync();
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        var caps = (await raw.CommandAsync("CAPABILITY"))[0];
        foreach (var cap in new[] { " SORT ", " SORT=DISPLAY ", " THREAD=REFERENCES ", " THREAD=ORDEREDSUBJECT", " ESEARCH " })
        {
            Assert.Contains(cap, caps + " ", StringComparison.Ordinal);
        }
        await raw.CommandAsync("SELECT INBOX");
        async Task<string> Untagged(string command) => (await raw.CommandAsync(command))[0];
        async Task<string> Tagged(string command) => (await raw.CommandAsync(command))[^1][(raw.LastTag.Length + 1)..];

        Assert.Equal("* SORT 5 1 3 2 4", await Untagged("SORT (DATE) UTF-8 ALL"));
        var uidSort = await raw.CommandAsync("UID SORT (REVERSE DATE) US-ASCII UNSEEN");
        Assert.Equal("* SORT " + string.Join(' ', u[3], u[1], u[2], u[0]), uidSort[0]);
        Assert.Equal("OK UID SORT completed", uidSort[^1][(raw.LastTag.Length + 1)..]);
        Assert.StartsWith("BAD", await Tagged("SORT (COLOR) UTF-8 ALL"), StringComparison.Ordinal);
        Assert.Equal("NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset", await Tagged("SORT (DATE) KOI8-R ALL"));
        Assert.Equal("NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset", await Tagged("THREAD REFERENCES ISO-2022-JP ALL"));
        Assert.StartsWith("BAD", await Tagged("THREAD SUBJECTS UTF-8 ALL"), StringComparison.Ordinal);
        Assert.Equal("* SORT", await Untagged("SORT (SUBJECT) UTF-8 SUBJECT nothing-like-this"));
        Assert.Equal("* THREAD", await Untagged("THREAD REFERENCES UTF-8 SUBJECT nothing-like-this"));
        Assert.Equal("* THREAD (5 1)(2 3 4)", await Untagged("THREAD REFERENCES UTF-8 ALL"));
        Assert.Equal($"* THREAD ({u[4]} {u[0]})({u[2]} ({u[1]})({u[3]}))", await Untagged("UID THREAD ORDEREDSUBJECT UTF-8 ALL"));
        var esearch = await Untagged("SEARCH RETURN (COUNT MIN) SEEN");
        Assert.Equal($"* ESEARCH (TAG \"{raw.LastTag}\") MIN 5 COUNT 1", esearch);
        esearch = await Untagged("UID SEARCH RETURN () ALL");
        Assert.Equal($"* ESEARCH (TAG \"{raw.LastTag}\") UID ALL {u[0]}:{u[4]}", esearch);
        esearch = await Untagged("SEARCH RETURN (MIN MAX COUNT) SUBJECT nothing-like-this");
        Assert.Equal($"* ESEARCH (TAG \"{raw.LastTag}\") COUNT 0", esearch);
        Assert.StartsWith("BAD", await Tagged("SEARCH RETURN (NEWEST) ALL"), StringComparison.Ordinal); // SAVE is RFC 5182 SEARCHRES now
        Assert.Equal("* SEARCH 1 2 3 4", await Untagged("SEARCH UNSEEN")); // plain SEARCH unchanged
    }

    [Fact]
    public async Task Sort_by_an_address_takes_a_groups_name_as_dovecot_does()
    {
        var mailbox = await host.CreateMailboxAsync();
        string[] heads =
        [
            "To: \"foo bar\" <user2@domain2.org>\r\nCc: user2@domain2.org (foo bar)",
            "To: a: xx@xx.org, yy@yy.org;\r\nCc: user2: blah@domain1.org;",
            "To: d\r\nCc: user1@domain1.org",
            "To: empty:;\r\nCc: zed@x.org",
        ];
        foreach (var head in heads)
        {
            await host.DeliverAsync(mailbox, "From: x@y.org\r\n" + head + "\r\nSubject: s\r\n\r\nbody\r\n");
        }
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await raw.CommandAsync("SELECT INBOX");
        Assert.Equal("* SORT 3 1 2 4", (await raw.CommandAsync("SORT (CC) UTF-8 ALL"))[0]); // group "user2" ties with user2@
        Assert.Equal("* SORT 4 1 2 3", (await raw.CommandAsync("SORT (REVERSE CC) UTF-8 ALL"))[0]);
        Assert.Equal("* SORT 2 3 4 1", (await raw.CommandAsync("SORT (DISPLAYTO) UTF-8 ALL"))[0]); // a, d, empty, foo bar
    }

    /// <summary>A MailKit thread list written as the THREAD response writes it.</summary>
    private static string Format(IList<MessageThread> threads)
    {
        var sb = new StringBuilder();
        foreach (var t in threads)
        {
            sb.Append('(');
            Write(sb, t);
            sb.Append(')');
        }
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, MessageThread node)
    {
        if (node.UniqueId is { } id)
        {
            sb.Append(id.Id);
            if (node.Children.Count > 0)
            {
                sb.Append(' ');
            }
        }
        if (node.Children.Count == 1)
        {
            Write(sb, node.Children[0]);
            return;
        }
        foreach (var child in node.Children)
        {
            sb.Append('(');
            Write(sb, child);
            sb.Append(')');
        }
    }
}
