using System.Diagnostics;
using System.Text;
using MailKit;
using MailKit.Search;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Listeners.Tests.Infrastructure;
using Serverless.Mail.Index;
using Serverless.Mail.Storage;
using Xunit;
using Xunit.Abstractions;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>
/// A 10,000-message folder: selected and fetched through MailKit, and SELECT of an unchanged
/// folder costs at most two storage transactions including login. Timings are printed, not asserted.
/// </summary>
public sealed class ImapLargeFolderTests(ImapTestHost host, ITestOutputHelper output) : IClassFixture<ImapTestHost>
{
    private const int Messages = 10_000;

    [Fact]
    public async Task A_ten_thousand_message_folder_is_selected_and_fetched()
    {
        var mailbox = await host.CreateMailboxAsync();
        var (summary, _) = await MessageSummaryBuilder.BuildAsync(new MemoryStream(Encoding.UTF8.GetBytes(ImapTestHost.Message("bulk", "x"))));
        var fill = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, Messages), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
        {
            var r = await host.Index.AppendAsync(mailbox.MailboxId, SpecialUse.InboxId, new NewMessage
            {
                BlobName = "bulk/unused.eml",
                Size = 200 + i,
                InternalDate = DateTimeOffset.UtcNow,
                Flags = i % 3 == 0 ? ["\\Seen"] : [],
                Summary = summary with { Envelope = summary.Envelope with { Subject = "bulk " + i } },
            }, ct);
            Assert.Equal(AppendOutcome.Appended, r.Outcome);
        });
        output.WriteLine($"filled {Messages} messages in {fill.ElapsedMilliseconds} ms");

        var meter = host.Host.Services.GetRequiredService<StorageRequestMeter>();
        await using (var raw = await host.RawAsync())
        {
            await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
            var first = Stopwatch.StartNew();
            var select = await raw.CommandAsync("SELECT INBOX");
            output.WriteLine($"SELECT, no view in memory or storage (lists the folder, saves the snapshot): {first.ElapsedMilliseconds} ms");
            Assert.Contains($"* {Messages} EXISTS", select);
            Assert.Contains(select, l => l.StartsWith("* OK [UNSEEN ", StringComparison.Ordinal));
            await raw.CommandAsync("CLOSE");
            var again = Stopwatch.StartNew();
            var before = meter.TotalRequests;
            await raw.CommandAsync("SELECT INBOX");
            output.WriteLine($"SELECT again, view in memory: {again.ElapsedMilliseconds} ms, {meter.TotalRequests - before} storage requests");
            Assert.Equal(1, meter.TotalRequests - before); // the folder row, nothing else
        }

        // Another process (no view in memory): login + SELECT of the unchanged folder.
        var prefix = host.Host.Services.GetRequiredService<StorageOptions>().Prefix;
        await using var second = await ListenerHost.StartAsync(new Dictionary<string, string?> { ["Mail:Listeners:AllowPlaintextAuthOnLoopback"] = "true" }, prefix);
        var secondMeter = second.Services.GetRequiredService<StorageRequestMeter>();
        await using (var warmup = await RawImap.ConnectAsync(second.Ports.Imap))
        {
            await warmup.LoginAsync(mailbox.Address, ImapTestHost.Password); // reads the account once; later logins reuse it
        }
        await using (var raw = await RawImap.ConnectAsync(second.Ports.Imap))
        {
            var before = secondMeter.TotalRequests;
            var cold = Stopwatch.StartNew();
            await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
            var select = await raw.CommandAsync("SELECT INBOX");
            output.WriteLine($"login + SELECT in a fresh process (snapshot): {cold.ElapsedMilliseconds} ms, {secondMeter.TotalRequests - before} storage requests");
            Assert.Contains($"* {Messages} EXISTS", select);
            Assert.True(secondMeter.TotalRequests - before <= 2, $"login + SELECT took {secondMeter.TotalRequests - before} storage requests");
        }

        using var client = await host.ConnectAsync(mailbox);
        var inbox = client.Inbox;
        var open = Stopwatch.StartNew();
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        output.WriteLine($"MailKit open: {open.ElapsedMilliseconds} ms");
        Assert.Equal(Messages, inbox.Count);
        var flags = Stopwatch.StartNew();
        var all = await inbox.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags);
        output.WriteLine($"FETCH 1:* (UID FLAGS): {flags.ElapsedMilliseconds} ms");
        Assert.Equal(Messages, all.Count);
        Assert.Equal(Enumerable.Range(1, Messages).Select(i => (uint)i), all.Select(s => s.UniqueId.Id));
        var headers = Stopwatch.StartNew();
        var envelopes = await inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope | MessageSummaryItems.Size | MessageSummaryItems.InternalDate);
        output.WriteLine($"FETCH 1:* (ENVELOPE RFC822.SIZE INTERNALDATE): {headers.ElapsedMilliseconds} ms");
        Assert.Equal(Messages, envelopes.Count);
        Assert.Equal(Enumerable.Range(0, Messages).Select(i => "bulk " + i).Order(), envelopes.Select(e => e.Envelope!.Subject).Order());
        var unseen = await inbox.SearchAsync(SearchQuery.NotSeen);
        Assert.Equal(Messages - ((Messages + 2) / 3), unseen.Count);
        await inbox.AddFlagsAsync(Enumerable.Range(5000, 100).ToList(), MessageFlags.Flagged, silent: true);
        Assert.Equal(100, (await inbox.SearchAsync(SearchQuery.Flagged)).Count);
    }
}
