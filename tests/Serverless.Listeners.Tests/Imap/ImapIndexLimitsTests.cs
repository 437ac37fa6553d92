using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Listeners.Tests.Infrastructure;
using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Mail.Storage;
using Serverless.Testing.Raw;
using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>
/// Issue 15 points 2 and 3 over IMAP: messages whose summary cannot fit an index row are filed and
/// served in full; a client resynchronising from before the pruned change log gets VANISHED
/// (EARLIER) from the UIDs that exist, and a long log is read a page at a time.
/// </summary>
public sealed class ImapIndexLimitsTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    [Fact]
    public async Task Huge_subject_and_recipient_list_are_filed_with_the_batch_and_fetched_in_full()
    {
        var mailbox = await host.CreateMailboxAsync();
        var subject = new string('x', 600_000);
        var hugeSubject = $"From: a@example.org\r\nTo: b@example.com\r\nSubject: {subject}\r\nMessage-ID: <huge@example.org>\r\n\r\nbody\r\n";
        var to = new StringBuilder();
        for (var i = 0; i < 10_000; i++)
        {
            to.Append(i == 0 ? "" : ",\r\n ").Append("user").Append(i).Append("@example.com");
        }
        var hugeTo = $"From: a@example.org\r\nTo: {to}\r\nSubject: many\r\n\r\nbody\r\n";
        // Delivered together, so the appends coalesce into shared transactions.
        var raws = Enumerable.Range(0, 20).Select(i => i switch { 5 => hugeSubject, 12 => hugeTo, _ => ImapTestHost.Message("n" + i) }).ToList();
        var filed = await Task.WhenAll(raws.Select(r => host.DeliverAsync(mailbox, r)));

        // A raw transcript: MailKit refuses literals over 4 KiB inside an ENVELOPE.
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        Assert.Contains("* 20 EXISTS", await raw.CommandAsync("EXAMINE INBOX"));
        var envelope = string.Join("\r\n", await raw.CommandAsync($"UID FETCH {filed[5].Uid} (ENVELOPE)"));
        Assert.Contains(subject, envelope);
        var header = hugeSubject[..(hugeSubject.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)];
        var headerFetch = await raw.CommandAsync($"UID FETCH {filed[5].Uid} (BODY.PEEK[HEADER])");
        Assert.Contains($"BODY[HEADER] {{{header.Length}}}\r\n{header})", headerFetch[0]); // the real bytes, from the blob
        var many = string.Join("\r\n", await raw.CommandAsync($"UID FETCH {filed[12].Uid} (ENVELOPE)"));
        Assert.Equal(10_000, many.Split("\"example.com\")").Length - 1);
        var all = await raw.CommandAsync("FETCH 1:* (ENVELOPE)");
        Assert.Equal(20, all.Count(l => l.StartsWith("* ", StringComparison.Ordinal) && l.Contains(" FETCH (", StringComparison.Ordinal)));
        Assert.Equal(18, all.Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, "\"n[0-9]+\"")));
    }

    [Fact]
    public async Task Qresync_from_before_the_log_floor_gets_vanished_from_the_uids_that_exist()
    {
        var mailbox = await host.CreateMailboxAsync();
        for (var i = 1; i <= 8; i++)
        {
            await host.DeliverAsync(mailbox, ImapTestHost.Message("m" + i));
        }
        var inbox = (await host.Index.GetFolderAsync(mailbox.MailboxId, SpecialUse.InboxId))!;
        var remembered = inbox.HighestModSeq;
        await host.Index.ExpungeAsync(mailbox.MailboxId, SpecialUse.InboxId, [2, 5, 7]);
        var flagged = await host.Index.StoreFlagsAsync(mailbox.MailboxId, SpecialUse.InboxId, [3], FlagMode.Add, ["\\Flagged"]);
        // Two upkeep runs with everything outside the window: the floor passes the client's MODSEQ and the log is gone.
        var future = DateTimeOffset.UtcNow.AddMinutes(5);
        await host.Index.PruneAsync(mailbox.MailboxId, future, future);
        await host.Index.PruneAsync(mailbox.MailboxId, future, future);
        Assert.Empty(await host.Index.GetChangesAsync(mailbox.MailboxId, SpecialUse.InboxId, 0));
        Assert.True((await host.Index.GetFolderAsync(mailbox.MailboxId, SpecialUse.InboxId))!.LogFloor > remembered);

        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await raw.CommandAsync("ENABLE QRESYNC");
        // The client knows 1:6 (not 7 or 8): exactly the expunged UIDs of its range.
        var select = await raw.CommandAsync($"SELECT INBOX (QRESYNC ({inbox.UidValidity} {remembered} 1:6))");
        Assert.Contains("* VANISHED (EARLIER) 2,5", select);
        var fetches = select.Where(l => l.Contains(" FETCH ", StringComparison.Ordinal)).ToList();
        Assert.Equal([$"* 2 FETCH (UID 3 FLAGS (\\Flagged \\Recent) MODSEQ ({flagged[0].ModSeq}))"], fetches);
        Assert.Contains("* 5 EXISTS", select);

        var changed = await raw.CommandAsync($"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {remembered} VANISHED)");
        Assert.Equal("* VANISHED (EARLIER) 2,5,7", changed[0]);
        Assert.Equal($"* 2 FETCH (UID 3 FLAGS (\\Flagged \\Recent) MODSEQ ({flagged[0].ModSeq}))", changed[1]);
        Assert.Equal(3, changed.Count);
    }

    [Fact]
    public async Task Changedsince_from_modseq_1_reads_the_log_a_page_at_a_time()
    {
        await using var listener = await ListenerHost.StartAsync(new Dictionary<string, string?>
        {
            ["Mail:Listeners:AllowPlaintextAuthOnLoopback"] = "true",
            ["Mail:Index:ChangeLogPageSize"] = "10",
        });
        var directory = listener.Services.GetRequiredService<MailDirectory>();
        var index = listener.Services.GetRequiredService<MailboxIndex>();
        var meter = listener.Services.GetRequiredService<StorageRequestMeter>();
        var domain = "paged" + Guid.NewGuid().ToString("N")[..8] + ".test";
        await directory.CreateTenantAsync("t1", "Tenant one");
        await directory.AddDomainAsync("t1", domain, null);
        var mailbox = await directory.CreateMailboxAsync("t1", MailAddress.Parse("user@" + domain), ImapTestHost.Password, null, 0);
        var uids = new List<long>();
        for (var i = 1; i <= 50; i++)
        {
            uids.Add((await index.AppendAsync(mailbox.MailboxId, SpecialUse.InboxId, new NewMessage
            {
                BlobName = "none/" + i,
                Size = 10,
                InternalDate = DateTimeOffset.UtcNow,
                Flags = [],
            })).Uid);
        }
        await index.StoreFlagsAsync(mailbox.MailboxId, SpecialUse.InboxId, uids.Take(45).ToList(), FlagMode.Add, ["\\Seen"]);
        await index.ExpungeAsync(mailbox.MailboxId, SpecialUse.InboxId, [10, 20]); // 47 log rows in all

        await using var raw = await RawImap.ConnectAsync(listener.Ports.Imap);
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await raw.CommandAsync("ENABLE QRESYNC");
        await raw.CommandAsync("SELECT INBOX");
        var before = Queries(meter);
        var changed = await raw.CommandAsync("UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)");
        var queries = Queries(meter) - before;

        Assert.Equal("* VANISHED (EARLIER) 10,20", changed[0]);
        Assert.Equal(48, changed.Count(l => l.StartsWith("* ", StringComparison.Ordinal) && l.Contains(" FETCH (", StringComparison.Ordinal)));
        // ⌈47 / 10⌉ = 5 log pages, the folder row for the floor, and whatever the session reads besides.
        Assert.InRange(queries, 6, 10);
    }

    private static long Queries(StorageRequestMeter meter) =>
        meter.DetailedSnapshot().Where(kv => kv.Key.Service == "table" && kv.Key.Resource != "$batch").Sum(kv => kv.Value.Requests);
}
