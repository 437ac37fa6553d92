using System.Text;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Index;
using Serverless.Mail.Model;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Xunit;

namespace Serverless.Mail.Tests.Index;

/// <summary>
/// Index rows stay within Azure's limits (1 MiB per entity, 64 KiB per property, 4 MiB per
/// transaction). Azurite does not enforce them, so the rows are checked with Azure's formula.
/// </summary>
public sealed class IndexRowLimitsTests
{
    [Fact]
    public void The_size_follows_azures_formula()
    {
        // 4 + 2 × ("p" + "r") + (8 + 2 × 1 + 2 × 2 + 4) for the string "ab" under "N".
        Assert.Equal(4 + 4 + 18, TableEntitySize.Of(new TableEntity("p", "r") { ["N"] = "ab" }));
        var e = new TableEntity("pk", "rk")
        {
            ["I"] = 1,
            ["L"] = 1L,
            ["B"] = true,
            ["D"] = DateTimeOffset.UnixEpoch,
            ["G"] = Guid.Empty,
            ["X"] = new byte[10],
            ["F"] = 1.5,
            ["Nothing"] = null,
        };
        Assert.Equal(4 + 8 + (7 * 10) + 4 + 8 + 1 + 8 + 16 + 14 + 8, TableEntitySize.Of(e));
        // UTF-16: a character outside the BMP is two units, four bytes.
        Assert.Equal(2 * 2 + 4, TableEntitySize.OfValue("😀"));
    }

    [Fact]
    public void Property_and_entity_limits_are_checked()
    {
        Assert.Null(TableEntitySize.Violation(new TableEntity("p", "r") { ["S"] = new string('a', 32_766) })); // 65,536 bytes
        Assert.Contains("property S", TableEntitySize.Violation(new TableEntity("p", "r") { ["S"] = new string('a', 32_767) }));
        var big = new TableEntity("p", "r");
        for (var i = 0; i < 17; i++)
        {
            big["S" + i] = new string('a', 30_000);
        }
        Assert.Null(TableEntitySize.Violation(big)); // 17 × 60,016 bytes ≈ 0.97 MiB
        big["S17"] = new string('a', 30_000);
        Assert.Contains("entity is", TableEntitySize.Violation(big));
        // On the wire, escaped characters count as the SDK's JSON writes them.
        Assert.True(TableEntitySize.OnTheWire(new TableEntity("p", "r") { ["S"] = new string('é', 1000) })
            > 6 * 1000);
    }

    [Fact]
    public async Task A_huge_subject_or_recipient_list_is_filed_in_a_row_azure_accepts_without_failing_the_batch()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var index = sp.GetRequiredService<MailboxIndex>();
        var table = sp.GetRequiredService<MailStorage>().MailIndex;
        var mailbox = Guid.NewGuid().ToString("N");
        await index.CreateMailboxAsync(mailbox);

        var hugeSubject = await SummaryOfAsync(HugeSubjectMessage());
        var hugeTo = await SummaryOfAsync(HugeToMessage());
        var normal = await SummaryOfAsync("Subject: hello\r\nTo: a@example.com\r\n\r\nbody\r\n");
        // Today's rows for these would be 1.2 MiB and 1.1 MiB: the check below would fail.
        var messages = Enumerable.Range(0, 48).Select(i => (Blob: $"b/{i}", Summary: i switch { 7 => hugeSubject, 30 => hugeTo, _ => normal })).ToList();
        var results = await Task.WhenAll(messages.Select(m => index.AppendAsync(mailbox, SpecialUse.InboxId, new NewMessage
        {
            BlobName = m.Blob,
            Size = 1000,
            InternalDate = DateTimeOffset.UtcNow,
            Flags = [],
            Summary = m.Summary,
            DedupeKey = "h" + m.Blob + "|" + mailbox,
        })));

        Assert.All(results, r => Assert.Equal(AppendOutcome.Appended, r.Outcome));
        Assert.Equal(48, results.Select(r => r.Uid).Distinct().Count());
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(x => x.PartitionKey == mailbox))
        {
            rows.Add(row);
        }
        Assert.All(rows, row => Assert.Null(TableEntitySize.Violation(row)));
        var huge = rows.Where(r => r.GetBoolean("SummaryOmitted") == true).Select(r => r.GetString("Blob")).Order().ToList();
        Assert.Equal(["b/30", "b/7"], huge);
        // Readers then have no summary for those two (IMAP parses the blob) and the full one for the rest.
        var listed = await index.ListMessagesAsync(mailbox, SpecialUse.InboxId).ToListAsync();
        Assert.Equal(2, listed.Count(m => m.Summary is null));
        Assert.Equal(46, listed.Count(m => m.Summary?.Envelope.Subject == "hello"));
    }

    [Fact]
    public async Task A_large_summary_that_fits_is_kept_and_big_rows_are_split_over_transactions()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var index = sp.GetRequiredService<MailboxIndex>();
        var meter = sp.GetRequiredService<StorageRequestMeter>();
        var mailbox = Guid.NewGuid().ToString("N");
        await index.CreateMailboxAsync(mailbox);
        // About 700 KB of summary each: legal rows, but six of them exceed one 4 MiB transaction.
        var large = await SummaryOfAsync("Subject: " + new string('s', 350_000) + "\r\n\r\nbody\r\n");
        var before = Batches(meter);

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => index.AppendAsync(mailbox, SpecialUse.InboxId, new NewMessage
        {
            BlobName = "big/" + i,
            Size = 400_000,
            InternalDate = DateTimeOffset.UtcNow,
            Flags = [],
            Summary = large,
        })));

        Assert.All(results, r => Assert.Equal(AppendOutcome.Appended, r.Outcome));
        Assert.True(Batches(meter) - before >= 2, "six 700 KB rows need at least two transactions");
        var listed = await index.ListMessagesAsync(mailbox, SpecialUse.InboxId).ToListAsync();
        Assert.All(listed, m => Assert.Equal(350_000, m.Summary?.Envelope.Subject?.Length));
    }

    [Fact]
    public async Task Messages_kept_in_their_rows_stay_within_azures_limits_and_listings_leave_their_bytes_out()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var index = sp.GetRequiredService<MailboxIndex>();
        var store = sp.GetRequiredService<Serverless.Mail.Messages.MessageStore>();
        var table = sp.GetRequiredService<MailStorage>().MailIndex;
        var mailbox = Guid.NewGuid().ToString("N");
        await index.CreateMailboxAsync(mailbox);
        var hugeSubject = await SummaryOfAsync(HugeSubjectMessage());
        var normal = await SummaryOfAsync("Subject: hello\r\nTo: a@example.com\r\n\r\nbody\r\n");
        // The largest a row may carry (15 binary properties) with a summary that cannot fit beside
        // it, and default-sized ones: coalesced into the same group commit.
        var contents = Enumerable.Range(0, 24).Select(i => Enumerable.Range(0, i % 3 == 0 ? IndexOptions.MaxInlineMessageBytes : 64 * 1024).Select(b => (byte)(b * 7 + i)).ToArray()).ToList();
        var results = await Task.WhenAll(contents.Select((c, i) => index.AppendAsync(mailbox, SpecialUse.InboxId, new NewMessage
        {
            BlobName = "inline/" + i,
            Content = c,
            Size = c.Length,
            InternalDate = DateTimeOffset.UtcNow,
            Summary = i % 3 == 0 ? hugeSubject : normal,
        })));
        Assert.All(results, r => Assert.Equal(AppendOutcome.Appended, r.Outcome));

        var rows = await table.QueryAsync<TableEntity>(x => x.PartitionKey == mailbox).ToListAsync();
        Assert.All(rows, row => Assert.Null(TableEntitySize.Violation(row)));
        Assert.Equal(24, rows.Count(r => r.GetBoolean("Inline") == true));
        // A listing, with or without summaries, never carries the bytes; the one opening place gives them back.
        foreach (var withSummary in new[] { false, true })
        {
            var listed = await index.ListMessagesAsync(mailbox, SpecialUse.InboxId, includeSummary: withSummary).ToListAsync();
            Assert.Equal(24, listed.Count);
            Assert.All(listed, m => Assert.True(m.Inline && m.Content is null));
        }
        foreach (var (result, i) in results.Select((r, i) => (r, i)))
        {
            var listed = await index.ListMessagesAsync(mailbox, SpecialUse.InboxId, result.Uid, result.Uid, includeSummary: false).SingleAsync();
            await using var opened = await store.OpenReadAsync(listed.Source(mailbox, SpecialUse.InboxId));
            using var copy = new MemoryStream();
            await opened.CopyToAsync(copy);
            Assert.Equal(contents[i], copy.ToArray());
            await using var ranged = await store.OpenReadRangeAsync(listed.Source(mailbox, SpecialUse.InboxId), 100, 50);
            using var part = new MemoryStream();
            await ranged.CopyToAsync(part);
            Assert.Equal(contents[i].AsSpan(100, 50).ToArray(), part.ToArray());
            Assert.Equal(contents[i], (await index.GetMessageAsync(mailbox, SpecialUse.InboxId, result.Uid))!.Content);
        }
    }

    private static long Batches(StorageRequestMeter meter) =>
        meter.DetailedSnapshot().Where(kv => kv.Key.Service == "table" && kv.Key.Resource == "$batch").Sum(kv => kv.Value.Requests);

    internal static string HugeSubjectMessage() =>
        "From: a@example.com\r\nSubject: " + new string('x', 600_000) + "\r\nTo: b@example.com\r\n\r\nbody\r\n";

    internal static string HugeToMessage()
    {
        var sb = new StringBuilder("From: a@example.com\r\nSubject: many\r\nTo: ");
        for (var i = 0; i < 10_000; i++)
        {
            sb.Append(i == 0 ? "" : ",\r\n ").Append("Recipient Number ").Append(i).Append(" <user").Append(i).Append("@example.com>");
        }
        return sb.Append("\r\n\r\nbody\r\n").ToString();
    }

    private static async Task<MessageSummary> SummaryOfAsync(string raw) =>
        (await MessageSummaryBuilder.BuildAsync(new MemoryStream(Encoding.ASCII.GetBytes(raw)))).Summary;
}
