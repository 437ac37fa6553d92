using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Listeners.Imap;
using Serverless.Listeners.Tests.Infrastructure;
using Serverless.Mail.Accounts;
using Serverless.Mail.Feed;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>
/// Issue 23: writes made in another process (the ingest in the Function App, another listener
/// replica) reach idling clients through the change feed, not the folder poll. Each "process" is
/// a separate set of services on the same storage prefix; the listeners poll their folders only
/// every ten minutes here, so only the feed can deliver within the test's timeout.
/// </summary>
public sealed class ImapChangeFeedTests
{
    private const string Password = "correct horse battery staple";
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(20);

    internal static readonly Dictionary<string, string?> SlowPolls = new()
    {
        ["Mail:Listeners:AllowPlaintextAuthOnLoopback"] = "true",
        ["Mail:Imap:IdlePollInterval"] = "00:10:00",
        ["Mail:Imap:CommandCheckInterval"] = "00:10:00",
        ["Mail:ChangeFeed:PollInterval"] = "00:00:00.200",
        ["Mail:ChangeFeed:Enabled"] = "true",
    };

    [Fact]
    public async Task Idle_wakes_for_mail_filed_by_an_index_writer_in_another_process()
    {
        await using var listener = await ListenerHost.StartAsync(SlowPolls);
        var prefix = listener.Services.GetRequiredService<StorageOptions>().Prefix;
        await using var ingest = await TestStorage.CreateServicesAsync(prefix, TestStorage.FeedOn.ToDictionary()); // the Function App, in effect
        var mailbox = await CreateMailboxAsync(listener);

        await using var raw = await IdlingAsync(listener, mailbox);
        await DeliverAsync(ingest, mailbox, "from afar");

        await WaitForAsync(raw, "* 1 EXISTS");
        Assert.True(ingest.GetRequiredService<ChangeFeedWriter>().Written >= 1);
    }

    [Fact]
    public async Task A_flag_set_through_one_listener_reaches_an_idle_session_on_another()
    {
        await using var a = await ListenerHost.StartAsync(SlowPolls);
        var prefix = a.Services.GetRequiredService<StorageOptions>().Prefix;
        await using var b = await ListenerHost.StartAsync(SlowPolls, prefix);
        var mailbox = await CreateMailboxAsync(a);
        await DeliverAsync(a.Services, mailbox, "to be flagged");

        await using var idler = await IdlingAsync(b, mailbox);
        await using var setter = await RawImap.ConnectAsync(a.Ports.Imap);
        await setter.LoginAsync(mailbox.Address, Password);
        await setter.CommandAsync("SELECT INBOX");
        var stored = await setter.CommandAsync("UID STORE 1 +FLAGS (\\Flagged)");
        Assert.StartsWith(setter.LastTag + " OK", stored[^1], StringComparison.Ordinal);

        var update = await WaitForAsync(idler, "* 1 FETCH");
        Assert.Contains("\\Flagged", update, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_flag_set_on_another_replica_voids_the_recent_check_of_a_session_that_is_not_idling()
    {
        await using var a = await ListenerHost.StartAsync(SlowPolls);
        var prefix = a.Services.GetRequiredService<StorageOptions>().Prefix;
        await using var b = await ListenerHost.StartAsync(SlowPolls, prefix);
        var mailbox = await CreateMailboxAsync(a);
        await DeliverAsync(a.Services, mailbox, "seen elsewhere");

        await using var reader = await RawImap.ConnectAsync(b.Ports.Imap);
        await reader.LoginAsync(mailbox.Address, Password);
        await reader.CommandAsync("SELECT INBOX");
        Assert.DoesNotContain("\\Seen", string.Join("\n", await reader.CommandAsync("UID FETCH 1 (FLAGS)")), StringComparison.Ordinal);

        // Set on replica A; the feed notice marks B's watcher stale, so B's next plain command
        // reads the folder instead of trusting its ten-minute check. Waited for is the notice of
        // this store (its MODSEQ), not any notice of the folder: B's tail also reads the append's
        // entry (up to its overlap back, once B watches the folder), maybe only now — that one
        // was seen already and rightly voids nothing.
        _ = b.Services.GetRequiredService<FolderWatchers>(); // subscribed to B's tail before us, so it has acted on a notice when we hear of it
        var notices = Channel.CreateUnbounded<FolderChangeNotice>();
        b.Services.GetRequiredService<ChangeFeedReader>().Changed += notice =>
        {
            if (notice.MailboxId == mailbox.MailboxId && notice.FolderId == SpecialUse.InboxId)
            {
                notices.Writer.TryWrite(notice);
            }
        };
        var stored = Assert.Single(await a.Services.GetRequiredService<MailboxIndex>().StoreFlagsAsync(mailbox.MailboxId, SpecialUse.InboxId, [1], FlagMode.Add, ["\\Seen"]));
        using (var timeout = new CancellationTokenSource(Generous))
        {
            while ((await notices.Reader.ReadAsync(timeout.Token)).HighestModSeq is var seen && seen != 0 && seen < stored.ModSeq)
            {
                // the append's entry (or another earlier one): already in B's view
            }
        }

        Assert.Contains("\\Seen", string.Join("\n", await reader.CommandAsync("UID FETCH 1 (FLAGS)")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Folders_created_subscribed_renamed_and_deleted_through_one_listener_reach_another_process_as_folder_list_changes()
    {
        await using var a = await ListenerHost.StartAsync(SlowPolls);
        var prefix = a.Services.GetRequiredService<StorageOptions>().Prefix;
        await using var b = await ListenerHost.StartAsync(SlowPolls, prefix);
        var mailbox = await CreateMailboxAsync(a);
        var watchers = b.Services.GetRequiredService<FolderWatchers>();
        var changes = Channel.CreateUnbounded<(int FolderId, NoticeKind Kind)>();
        watchers.FolderListChanged += (m, f, k) =>
        {
            if (m == mailbox.MailboxId)
            {
                changes.Writer.TryWrite((f, k));
            }
        };
        await using (var bSession = await RawImap.ConnectAsync(b.Ports.Imap))
        {
            await bSession.LoginAsync(mailbox.Address, Password);
            await bSession.CommandAsync("CREATE Projects"); // B's own change: in-process, at once
            Assert.Equal(NoticeKind.Folders, (await NextAsync(changes)).Kind);
            await bSession.CommandAsync("EXAMINE Projects"); // B remembers the name's folder id
        }
        var projects = (await b.Services.GetRequiredService<MailboxIndex>().FindFolderAsync(mailbox.MailboxId, "Projects"))!;
        Assert.Equal(projects.FolderId, watchers.KnownFolderId(mailbox.MailboxId, "Projects"));

        await using var setter = await RawImap.ConnectAsync(a.Ports.Imap);
        await setter.LoginAsync(mailbox.Address, Password);
        await setter.CommandAsync("SUBSCRIBE Projects");
        Assert.Equal((projects.FolderId, NoticeKind.Subscriptions), await NextAsync(changes));
        await setter.CommandAsync("RENAME Projects Archive/Projects");
        Assert.Equal(NoticeKind.Folders, (await NextAsync(changes)).Kind);
        Assert.Null(watchers.KnownFolderId(mailbox.MailboxId, "Projects")); // B looks the name up again
        await setter.CommandAsync("DELETE Archive/Projects");
        Assert.Equal((projects.FolderId, NoticeKind.Folders), await NextAsync(changes));
    }

    private static async Task<(int FolderId, NoticeKind Kind)> NextAsync(Channel<(int FolderId, NoticeKind Kind)> changes)
    {
        using var timeout = new CancellationTokenSource(Generous);
        return await changes.Reader.ReadAsync(timeout.Token);
    }

    [Fact]
    public async Task Idle_still_learns_of_a_change_whose_feed_entry_was_lost_through_the_fallback_poll()
    {
        var settings = new Dictionary<string, string?>(SlowPolls) { ["Mail:Imap:IdlePollInterval"] = "00:00:01" };
        await using var listener = await ListenerHost.StartAsync(settings);
        var prefix = listener.Services.GetRequiredService<StorageOptions>().Prefix;
        // A writer whose feed entries are lost (as if it died between the index transaction and the feed write).
        await using var ingest = await TestStorage.CreateServicesAsync(prefix, new Dictionary<string, string?> { ["Mail:ChangeFeed:Enabled"] = "false" });
        var mailbox = await CreateMailboxAsync(listener);

        await using var raw = await IdlingAsync(listener, mailbox);
        await DeliverAsync(ingest, mailbox, "feed lost");

        await WaitForAsync(raw, "* 1 EXISTS");
        Assert.Equal(0, ingest.GetRequiredService<ChangeFeedWriter>().Written);
    }

    [Fact]
    public async Task Entries_deleted_from_the_feed_are_covered_by_the_fallback_poll()
    {
        var settings = new Dictionary<string, string?>(SlowPolls)
        {
            ["Mail:Imap:IdlePollInterval"] = "00:00:02",
            ["Mail:ChangeFeed:PollInterval"] = "00:10:00", // the listener's tail reads nothing before the entry is gone
        };
        await using var listener = await ListenerHost.StartAsync(settings);
        var prefix = listener.Services.GetRequiredService<StorageOptions>().Prefix;
        await using var ingest = await TestStorage.CreateServicesAsync(prefix, TestStorage.FeedOn.ToDictionary());
        var mailbox = await CreateMailboxAsync(listener);

        await using var raw = await IdlingAsync(listener, mailbox);
        await DeliverAsync(ingest, mailbox, "entry deleted");
        var writer = ingest.GetRequiredService<ChangeFeedWriter>();
        await writer.FlushAsync();
        Assert.Equal(1, writer.Written);
        var storage = ingest.GetRequiredService<MailStorage>();
        await storage.Table(StorageNames.ChangeFeedTable + DateTime.UtcNow.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture)).DeleteAsync();

        await WaitForAsync(raw, "* 1 EXISTS");
    }

    internal static async Task<MailboxRecord> CreateMailboxAsync(ListenerHost host)
    {
        var directory = host.Services.GetRequiredService<MailDirectory>();
        var domain = "feed" + Guid.NewGuid().ToString("N")[..8] + ".test";
        await directory.CreateTenantAsync("t1", "Tenant one");
        await directory.AddDomainAsync("t1", domain, null);
        return await directory.CreateMailboxAsync("t1", MailAddress.Parse("user@" + domain), Password, "User", 0);
    }

    private static async Task<RawImap> IdlingAsync(ListenerHost host, MailboxRecord mailbox)
    {
        var raw = await RawImap.ConnectAsync(host.Ports.Imap);
        await raw.LoginAsync(mailbox.Address, Password);
        await raw.CommandAsync("SELECT INBOX");
        await raw.WriteAsync("I1 IDLE\r\n");
        Assert.StartsWith("+", await raw.ReadLineAsync(), StringComparison.Ordinal);
        return raw;
    }

    /// <summary>Reads untagged responses until one starts with <paramref name="prefix"/>, within a generous timeout.</summary>
    internal static async Task<string> WaitForAsync(RawImap raw, string prefix)
    {
        using var timeout = new CancellationTokenSource(Generous);
        while (true)
        {
            var line = await raw.ReadResponseAsync().WaitAsync(timeout.Token);
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line;
            }
        }
    }

    internal static async Task DeliverAsync(IServiceProvider services, MailboxRecord mailbox, string subject, int folderId = SpecialUse.InboxId)
    {
        var bytes = Encoding.UTF8.GetBytes($"From: a@example.org\r\nTo: {mailbox.Address}\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@example.org>\r\n\r\nHello.\r\n");
        var messages = services.GetRequiredService<MessageStore>();
        var blob = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
        await using (var writer = messages.CreateWriter(blob))
        {
            await writer.WriteAsync(bytes);
            await writer.CommitAsync();
        }
        var (summary, _) = await MessageSummaryBuilder.BuildAsync(new MemoryStream(bytes));
        var result = await services.GetRequiredService<MailboxIndex>().AppendAsync(mailbox.MailboxId, folderId, new NewMessage
        {
            BlobName = blob,
            Size = bytes.Length,
            InternalDate = DateTimeOffset.UtcNow,
            Flags = [],
            Summary = summary,
        });
        Assert.Equal(AppendOutcome.Appended, result.Outcome);
    }
}
