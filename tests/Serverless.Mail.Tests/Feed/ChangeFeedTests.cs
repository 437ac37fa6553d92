using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Serverless.Mail.Feed;
using Serverless.Mail.Index;
using Serverless.Mail.Storage;
using Serverless.Mail.Tests.Index;
using Serverless.Testing;
using Xunit;

namespace Serverless.Mail.Tests.Feed;

/// <summary>
/// The change feed (issue 23) between two "processes" — separate services on one storage prefix:
/// an index write in one is read by the other's tail as "folder F of mailbox M up to MODSEQ n",
/// never by the writer's own tail, and old daily tables go with one request each.
/// </summary>
public sealed class ChangeFeedTests
{
    [Fact]
    public async Task An_append_in_one_process_is_read_from_the_feed_by_another_with_its_counters()
    {
        await using var writer = await TestStorage.CreateServicesAsync(extra: TestStorage.FeedOn.ToDictionary());
        var prefix = writer.GetRequiredService<StorageOptions>().Prefix;
        await using var listener = await TestStorage.CreateServicesAsync(prefix, TestStorage.FeedOn.ToDictionary());
        var index = writer.GetRequiredService<MailboxIndex>();
        var mailbox = Guid.NewGuid().ToString("N");
        await index.CreateMailboxAsync(mailbox);
        var ownTail = new List<FolderChangeNotice>();
        var writersReader = Reader(writer);
        writersReader.Changed += ownTail.Add;
        var otherTail = new List<FolderChangeNotice>();
        var reader = Reader(listener);
        reader.Changed += otherTail.Add;

        await index.AppendAsync(mailbox, SpecialUse.InboxId, IndexTestMessages.Message("b1"));
        await index.AppendAsync(mailbox, SpecialUse.InboxId, IndexTestMessages.Message("b2"));
        await writer.GetRequiredService<ChangeFeedWriter>().FlushAsync();
        var folder = (await index.GetFolderAsync(mailbox, SpecialUse.InboxId))!;

        await reader.ReadOnceAsync();
        await writersReader.ReadOnceAsync();
        Assert.Empty(ownTail); // its own writes were signalled in-process
        var last = Assert.Single(otherTail.GroupBy(n => (n.MailboxId, n.FolderId))).MaxBy(n => n.HighestModSeq)!;
        Assert.Equal((mailbox, SpecialUse.InboxId, folder.HighestModSeq, folder.UidNext), (last.MailboxId, last.FolderId, last.HighestModSeq, last.UidNext));

        // Read again: nothing is reported twice, though the read reaches back over the overlap.
        otherTail.Clear();
        Assert.Equal(0, await reader.ReadOnceAsync());
        Assert.Empty(otherTail);
    }

    /// <summary>
    /// Issue 16: under ten IMAP clients writing one folder the feed was one transaction per index
    /// write. After a write, the next waits for <c>MinWriteInterval</c> (an hour here, so only
    /// FlushAsync ends the wait) and takes everything published meanwhile.
    /// </summary>
    [Fact]
    public async Task Notices_published_soon_after_a_feed_write_wait_for_the_interval_and_share_the_next_transaction()
    {
        var settings = TestStorage.FeedOn.ToDictionary();
        settings["Mail:ChangeFeed:MinWriteInterval"] = "01:00:00";
        await using var writer = await TestStorage.CreateServicesAsync(extra: settings);
        var feed = writer.GetRequiredService<ChangeFeedWriter>();

        feed.Publish(new FolderChangeNotice("m0", SpecialUse.InboxId, 2, 2));
        await feed.FlushAsync(); // the first goes out at once
        Assert.Equal((1L, 1L), (feed.Transactions, feed.Written));

        feed.Publish(new FolderChangeNotice("m1", SpecialUse.InboxId, 2, 2));
        // Without the interval m1 would be written alone now; with it, nothing is written until the flush.
        SpinWait.SpinUntil(() => feed.Transactions > 1, TimeSpan.FromMilliseconds(300));
        feed.Publish(new FolderChangeNotice("m2", SpecialUse.InboxId, 2, 2));
        feed.Publish(new FolderChangeNotice("m1", SpecialUse.InboxId, 3, 3)); // the same folder again: one entry
        Assert.Equal(1L, feed.Transactions);
        await feed.FlushAsync();
        Assert.Equal((2L, 3L), (feed.Transactions, feed.Written));
    }

    [Fact]
    public async Task Notices_published_together_share_a_feed_transaction_and_a_read_is_one_query()
    {
        await using var writer = await TestStorage.CreateServicesAsync(extra: TestStorage.FeedOn.ToDictionary());
        var prefix = writer.GetRequiredService<StorageOptions>().Prefix;
        await using var listener = await TestStorage.CreateServicesAsync(prefix, TestStorage.FeedOn.ToDictionary());
        var reader = Reader(listener);
        var seen = new HashSet<string>();
        reader.Changed += n => seen.Add(n.MailboxId);
        var feed = writer.GetRequiredService<ChangeFeedWriter>();
        var mailboxes = Enumerable.Range(0, 50).Select(i => "m" + i).ToList();

        foreach (var m in mailboxes)
        {
            feed.Publish(new FolderChangeNotice(m, SpecialUse.InboxId, 5, 4));
            feed.Publish(new FolderChangeNotice(m, SpecialUse.InboxId, 6, 5)); // the same folder again: one entry
        }
        await feed.FlushAsync();

        // The first entry goes out at once; everything published while it was written shares the next transaction.
        Assert.InRange(feed.Transactions, 1, 2);
        Assert.InRange(feed.Written, 50, 51);
        var queries = reader.Queries;
        await reader.ReadOnceAsync();
        Assert.Equal(1, reader.Queries - queries);
        Assert.Equal(mailboxes.ToHashSet(), seen);
    }

    [Fact]
    public async Task The_tail_reads_at_the_active_pace_for_a_while_after_finding_another_process_entry_and_at_the_quiet_pace_otherwise()
    {
        var feedOn = TestStorage.FeedOn.ToDictionary();
        await using var writer = await TestStorage.CreateServicesAsync(extra: feedOn);
        var prefix = writer.GetRequiredService<StorageOptions>().Prefix;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var listener = await TestStorage.CreateServicesAsync(prefix, feedOn, configure: s => s.AddSingleton<TimeProvider>(clock));
        var options = listener.GetRequiredService<ChangeFeedOptions>();
        var reader = Reader(listener);
        Assert.Equal(options.PollInterval, reader.Interval()); // quiet: nothing found yet
        await reader.ReadOnceAsync();
        Assert.Equal(options.PollInterval, reader.Interval()); // a read that found nothing keeps the quiet pace

        var feed = writer.GetRequiredService<ChangeFeedWriter>();
        feed.Publish(new FolderChangeNotice("m", SpecialUse.InboxId, 5, 4));
        await feed.FlushAsync();
        Assert.Equal(1, await reader.ReadOnceAsync());
        Assert.True(options.ActivePollInterval < options.PollInterval);
        Assert.Equal(options.ActivePollInterval, reader.Interval());

        clock.Advance(options.ActiveFor - TimeSpan.FromSeconds(1));
        Assert.Equal(options.ActivePollInterval, reader.Interval());
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(options.PollInterval, reader.Interval()); // quiet for ActiveFor: back to one read a PollInterval
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_process_that_queued_an_inbound_handoff_reads_the_feed_at_the_active_pace_at_once_unless_told_not_to(bool expect)
    {
        // Quiet pace ten minutes: only the expectation can bring a read within the test's time.
        var settings = new Dictionary<string, string?>(TestStorage.FeedOn)
        {
            ["Mail:ChangeFeed:PollInterval"] = "00:10:00",
            ["Mail:ChangeFeed:ActivePollInterval"] = "00:00:00.100",
            ["Mail:ChangeFeed:ExpectAfterHandoff"] = expect ? "true" : "false",
        };
        await using var listener = await TestStorage.CreateServicesAsync(extra: settings);
        var options = listener.GetRequiredService<ChangeFeedOptions>();
        var reader = Reader(listener);
        reader.Wanted = () => true;
        await reader.StartAsync(CancellationToken.None);
        try
        {
            Assert.Equal(options.PollInterval, reader.Interval());
            await listener.GetRequiredService<Serverless.Mail.Queues.MailQueues>().SendInboundAsync(new Serverless.Mail.Queues.InboundHandoff
            {
                Id = "h1",
                BlobName = "2026/12/04/h1.eml",
                Size = 10,
                MailFrom = "",
                Recipients = [],
                ReceivedAt = DateTimeOffset.UtcNow,
                ClientIp = "192.0.2.1",
                Helo = "mx.example",
            });

            if (!expect)
            {
                Assert.Equal(options.PollInterval, reader.Interval());
                Assert.Equal(0, reader.Queries);
                return;
            }
            Assert.Equal(options.ActivePollInterval, reader.Interval());
            // The quiet wait is cut short: the tail reads within the active interval, not ten minutes later.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (reader.Queries == 0)
            {
                await Task.Delay(20, timeout.Token);
            }
        }
        finally
        {
            await reader.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Daily_tables_older_than_the_retention_are_deleted_and_recent_ones_kept()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
        await using var sp = await TestStorage.CreateServicesAsync(extra: TestStorage.FeedOn.ToDictionary(), configure: s => s.AddSingleton<TimeProvider>(clock));
        var feed = sp.GetRequiredService<ChangeFeedWriter>();
        var storage = sp.GetRequiredService<MailStorage>();
        foreach (var day in new[] { 28, 32 }) // 2026-11-28 and 2026-12-02
        {
            clock.SetUtcNow(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero).AddDays(day - 1));
            feed.Publish(new FolderChangeNotice("m", 1, 2, 3));
            await feed.FlushAsync();
        }

        Assert.Equal(1, await feed.DeleteOldTablesAsync(new DateTimeOffset(2026, 12, 3, 3, 41, 0, TimeSpan.Zero)));
        Assert.False(await Exists(storage, "20261128"));
        Assert.True(await Exists(storage, "20261202"));
    }

    private static ChangeFeedReader Reader(IServiceProvider sp) => ActivatorUtilities.CreateInstance<ChangeFeedReader>(sp);

    private static async Task<bool> Exists(MailStorage storage, string day)
    {
        try
        {
            await foreach (var _ in storage.Table(StorageNames.ChangeFeedTable + day).QueryAsync<Azure.Data.Tables.TableEntity>(maxPerPage: 1).AsPages())
            {
                break;
            }
            return true;
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
    }
}
