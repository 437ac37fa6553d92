using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Listeners.Caching;
using Serverless.Listeners.Imap;
using Serverless.Listeners.Tests.Infrastructure;
using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Xunit;
using Xunit.Abstractions;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>
/// The listener's read cache (<see cref="MessageCache"/>): a warm folder is read from memory, a
/// cold one in bulk, and what other instances change is still seen as the protocol requires.
/// Instance A reuses its folder check for minutes, so its counts show what each command costs.
/// </summary>
public sealed class ImapCacheTests(TwoListeners hosts, ITestOutputHelper output) : IClassFixture<TwoListeners>
{
    private async Task<MailboxRecord> MailboxAsync(int messages)
    {
        var mailbox = await hosts.CreateMailboxAsync(0);
        var store = hosts.A.Services.GetRequiredService<MessageStore>();
        var index = hosts.A.Services.GetRequiredService<MailboxIndex>();
        for (var i = 1; i <= messages; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(ImapTestHost.Message("m" + i, "Body of message " + i + "."));
            var blob = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
            await using (var writer = store.CreateWriter(blob))
            {
                await writer.WriteAsync(bytes);
                await writer.CommitAsync();
            }
            var (summary, _) = await MessageSummaryBuilder.BuildAsync(new MemoryStream(bytes));
            await index.AppendAsync(mailbox.MailboxId, SpecialUse.InboxId, new NewMessage
            {
                BlobName = blob, Size = bytes.Length, InternalDate = DateTimeOffset.UtcNow, Summary = summary,
            });
        }
        return mailbox;
    }

    private async Task<(List<string> Lines, long Requests)> Measure(RawImap raw, string command)
    {
        var before = hosts.MeterA.TotalRequests;
        var lines = await raw.CommandAsync(command);
        var requests = hosts.MeterA.TotalRequests - before;
        output.WriteLine($"{command}: {requests} storage requests");
        Assert.StartsWith($"{raw.LastTag} OK", lines[^1], StringComparison.Ordinal);
        return (lines, requests);
    }

    [Fact]
    public async Task A_fetch_or_search_on_a_warm_folder_makes_no_storage_request()
    {
        var mailbox = await MailboxAsync(20);
        await using var raw = await TwoListeners.SelectAsync(hosts.A, mailbox);
        const string Headers = "FETCH 1:20 (UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)])";

        // Cold: the twenty rows in one query, not one per message.
        var (cold, coldRequests) = await Measure(raw, Headers);
        Assert.Equal(1, coldRequests);
        var (warm, warmRequests) = await Measure(raw, Headers);
        Assert.Equal(0, warmRequests);
        Assert.Equal(cold[..^1], warm[..^1]);
        Assert.Equal(20, warm.Count(l => l.Contains(" FETCH (UID ", StringComparison.Ordinal)));

        // A whole message: one blob read, then none.
        var (body, bodyRequests) = await Measure(raw, "UID FETCH 7 (BODY.PEEK[])");
        Assert.Equal(1, bodyRequests);
        Assert.Contains(body, l => l.Contains("Body of message 7.", StringComparison.Ordinal));
        var (again, againRequests) = await Measure(raw, "UID FETCH 7 (BODY.PEEK[] BODY.PEEK[TEXT] BODY.PEEK[1] RFC822.SIZE)");
        Assert.Equal(0, againRequests);
        Assert.Equal(3, again[0].Split("Body of message 7.").Length - 1); // BODY[], TEXT and part 1, one response

        // SEARCH over the cached summaries; BODY once every message was read.
        var (search, searchRequests) = await Measure(raw, "UID SEARCH OR SUBJECT m3 SUBJECT m17");
        Assert.Equal(["* SEARCH 3 17"], search[..^1]);
        Assert.Equal(0, searchRequests);
        (_, searchRequests) = await Measure(raw, "UID SEARCH LARGER 1 UNSEEN");
        Assert.Equal(0, searchRequests);
        var (_, firstBodySearch) = await Measure(raw, "UID SEARCH BODY \"message 12.\"");
        Assert.Equal(19, firstBodySearch); // every blob but message 7's, once
        var (bodySearch, bodySearchRequests) = await Measure(raw, "UID SEARCH BODY \"message 12.\"");
        Assert.Equal(["* SEARCH 12"], bodySearch[..^1]);
        Assert.Equal(0, bodySearchRequests);

        // Another session of the same process shares it all.
        await using var other = await TwoListeners.SelectAsync(hosts.A, mailbox);
        var (_, otherRequests) = await Measure(other, Headers);
        Assert.Equal(0, otherRequests);
    }

    [Fact]
    public async Task A_small_fetch_reads_its_neighbours_in_the_same_query()
    {
        var mailbox = await MailboxAsync(30);
        await using var raw = await TwoListeners.SelectAsync(hosts.A, mailbox);
        var (_, first) = await Measure(raw, "UID FETCH 30 (RFC822.SIZE ENVELOPE)");
        Assert.Equal(1, first);
        // Scattered messages around it, in one command or one by one, are warm now.
        var (scattered, requests) = await Measure(raw, "UID FETCH 1,4,9,16,25 (RFC822.SIZE ENVELOPE)");
        Assert.Equal(0, requests);
        Assert.Equal(5, scattered.Count - 1);
        (_, requests) = await Measure(raw, "UID FETCH 2 (INTERNALDATE BODYSTRUCTURE)");
        Assert.Equal(0, requests);
    }

    [Fact]
    public async Task Changes_made_by_another_listener_are_seen_over_a_warm_cache()
    {
        var mailbox = await MailboxAsync(4);
        await using var reader = await TwoListeners.SelectAsync(hosts.A, mailbox);
        await reader.CommandAsync("FETCH 1:4 (UID FLAGS ENVELOPE BODY.PEEK[])"); // everything warm on A
        await using var writer = await TwoListeners.SelectAsync(hosts.B, mailbox);
        await writer.CommandAsync("UID STORE 1 +FLAGS (\\Flagged)");
        await writer.CommandAsync("UID STORE 2 +FLAGS.SILENT (\\Deleted)");
        Assert.Equal("* 2 EXPUNGE", (await writer.CommandAsync("EXPUNGE"))[0]);

        // The next NOOP reports both changes; sequence numbers move and the cached data follows the UIDs.
        var noop = await reader.CommandAsync("NOOP");
        Assert.Contains("* 2 EXPUNGE", noop);
        Assert.Contains(noop, l => l.StartsWith("* 1 FETCH (UID 1 FLAGS (\\Flagged", StringComparison.Ordinal));
        var (fetch, requests) = await Measure(reader, "FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
        Assert.Equal(0, requests);
        Assert.Equal(3, fetch.Count - 1);
        Assert.StartsWith("* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent) ", fetch[0], StringComparison.Ordinal);
        Assert.Contains("Subject: m3", fetch[1], StringComparison.Ordinal);
        Assert.StartsWith("* 2 FETCH (UID 3 ", fetch[1], StringComparison.Ordinal);
        Assert.Contains("Subject: m4", fetch[2], StringComparison.Ordinal);
        Assert.Equal(["* SEARCH 1"], (await reader.CommandAsync("UID SEARCH FLAGGED"))[..^1]);
        Assert.Equal(["* SEARCH 3"], (await reader.CommandAsync("UID SEARCH SUBJECT m3"))[..^1]);

        // A session of A that selects the folder afresh sees storage as it is.
        await using var fresh = await TwoListeners.SelectAsync(hosts.A, mailbox);
        var all = await fresh.CommandAsync("FETCH 1:* (UID FLAGS ENVELOPE)");
        Assert.Equal(3, all.Count - 1);
        Assert.DoesNotContain(all, l => l.Contains("UID 2 ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_expunge_this_process_made_is_honoured_by_a_cached_fetch_at_once()
    {
        var mailbox = await MailboxAsync(3);
        await using var reader = await TwoListeners.SelectAsync(hosts.A, mailbox);
        await reader.CommandAsync("FETCH 1:3 (RFC822.SIZE)");
        await hosts.A.Services.GetRequiredService<MailboxIndex>().ExpungeAsync(mailbox.MailboxId, SpecialUse.InboxId, [2]);

        // FETCH may not send EXPUNGE (RFC 3501 7.4.1): the gone message is left out, as a fresh read would.
        var fetch = await reader.CommandAsync("FETCH 1:3 (UID RFC822.SIZE)");
        Assert.Equal(3, fetch.Count);
        Assert.StartsWith("* 1 FETCH (UID 1 ", fetch[0], StringComparison.Ordinal);
        Assert.StartsWith("* 3 FETCH (UID 3 ", fetch[1], StringComparison.Ordinal);
        Assert.EndsWith("OK [EXPUNGEISSUED] Some messages were expunged meanwhile", fetch[^1], StringComparison.Ordinal);
        Assert.Equal(["* 2 EXPUNGE"], (await reader.CommandAsync("NOOP"))[..^1]);
    }

    [Fact]
    public void The_cache_keeps_to_its_byte_budget()
    {
        using var cache = new MessageCache(new CacheOptions { MaxBytes = 1024 * 1024, MaxMessageBytes = 64 * 1024 });
        for (var i = 0; i < 200; i++)
        {
            cache.SetBytes("blob" + i, new byte[60 * 1024]);
            cache.SetMessage(new MessageKey("mb", 1, 7, i), new CachedMessage("blob" + i, 60 * 1024, DateTimeOffset.UnixEpoch, null, false));
            Assert.InRange(cache.CurrentBytes, 0, cache.MaxBytes);
        }
        var kept = Enumerable.Range(0, 200).Count(i => cache.GetBytes("blob" + i) is not null);
        Assert.InRange(kept, 1, (int)(cache.MaxBytes / (60 * 1024))); // the least recently used made room
        cache.SetBytes("large", new byte[(64 * 1024) + 1]);
        Assert.Null(cache.GetBytes("large")); // above the per-message cap: never kept

        // A row read with its summary is not replaced by one read without.
        var key = new MessageKey("mb", 2, 7, 1);
        var summary = new Serverless.Mail.Model.MessageSummary
        {
            Envelope = new Serverless.Mail.Model.EnvelopeSummary(),
            Body = new Serverless.Mail.Model.MimePartSummary { Type = "text", Subtype = "plain" },
        };
        using var roomy = new MessageCache(new CacheOptions { MaxBytes = 1024 * 1024 });
        roomy.SetMessage(key, new CachedMessage("b", 1, DateTimeOffset.UnixEpoch, summary, true));
        roomy.SetMessage(key, new CachedMessage("b", 1, DateTimeOffset.UnixEpoch, null, false));
        Assert.Same(summary, roomy.GetMessage(key, needSummary: true)?.Summary);
        Assert.Null(roomy.GetMessage(new MessageKey("mb", 2, 8, 1), needSummary: false)); // another UIDVALIDITY
    }

    [Fact]
    public async Task A_folder_view_no_session_holds_counts_against_the_budget_and_goes_when_pushed_out()
    {
        using var cache = new MessageCache(new CacheOptions { MaxBytes = 1024 * 1024 });
        var watchers = new FolderWatchers(hosts.A.Services.GetRequiredService<MailboxIndex>(), new ImapOptions(), cache);
        var first = watchers.Acquire("mb", 1);
        watchers.Release(first);
        Assert.InRange(cache.CurrentBytes, 1024, cache.MaxBytes); // the released view is the cache's now
        Assert.Same(first, watchers.Acquire("mb", 1)); // re-selected while kept: the same view
        Assert.Equal(0, cache.CurrentBytes); // held by a session again: not the cache's
        watchers.Release(first);

        cache.Compact(1.0); // the budget needs the room
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (watchers.Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10); // the eviction callback runs on the thread pool
        }
        Assert.Equal(0, watchers.Count);
        Assert.NotSame(first, watchers.Acquire("mb", 1));
    }
}
