using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Storage;
using Xunit;
using Xunit.Abstractions;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>
/// Costs that showed in Dovecot's imaptest (issue 16: ten clients on one INBOX that log in, select,
/// fetch, store, expunge and append): what this process wrote or learnt is not asked of storage again.
/// </summary>
public sealed class ImapSharedFolderCostTests(TwoListeners hosts, ITestOutputHelper output) : IClassFixture<TwoListeners>
{
    private async Task<(List<string> Lines, long Requests)> Measure(RawImap raw, string command)
    {
        var meter = hosts.MeterA;
        var before = meter.Snapshot();
        var total = meter.TotalRequests;
        var lines = await raw.CommandAsync(command);
        var requests = meter.TotalRequests - total;
        output.WriteLine($"{command.Split('\r')[0]}: {requests} requests ({string.Join(", ", meter.Snapshot().Select(kv => (kv.Key, N: kv.Value - before.GetValueOrDefault(kv.Key))).Where(x => x.N > 0).Select(x => $"{x.Key.Service} {x.Key.Operation} {x.N}"))})");
        return (lines, requests);
    }

    /// <summary>Before: a range query of the message rows and a blob read (2 requests).</summary>
    [Fact]
    public async Task A_message_appended_here_is_fetched_without_a_request()
    {
        var mailbox = await hosts.CreateMailboxAsync(2);
        await using var raw = await TwoListeners.SelectAsync(hosts.A, mailbox);
        var message = ImapTestHost.Message("appended here", body: "The body.").TrimEnd('\r', '\n');
        var append = await raw.CommandAsync($"APPEND INBOX {{{Encoding.UTF8.GetByteCount(message)}+}}\r\n{message}");
        Assert.StartsWith($"{raw.LastTag} OK [APPENDUID ", append[^1], StringComparison.Ordinal);

        var (fetch, requests) = await Measure(raw, "UID FETCH 3 (UID RFC822.SIZE INTERNALDATE ENVELOPE BODY.PEEK[])");
        Assert.Contains("\"appended here\"", fetch[0], StringComparison.Ordinal);
        Assert.Contains($"RFC822.SIZE {Encoding.UTF8.GetByteCount(message)}", fetch[0], StringComparison.Ordinal);
        Assert.Contains("The body.", string.Join("\n", fetch), StringComparison.Ordinal);
        Assert.Equal(0, requests);
    }

    /// <summary>
    /// Another session here expunged the message; this one has not been told yet (a STORE by
    /// sequence number may not report expunges), so it asks for it. Before: a range query to learn
    /// that the row is gone.
    /// </summary>
    [Fact]
    public async Task A_store_on_a_message_another_session_here_expunged_reads_nothing()
    {
        var mailbox = await hosts.CreateMailboxAsync(3);
        await using var expunger = await TwoListeners.SelectAsync(hosts.A, mailbox);
        await using var late = await TwoListeners.SelectAsync(hosts.A, mailbox);
        await expunger.CommandAsync("UID STORE 2 +FLAGS.SILENT (\\Deleted)");
        Assert.Equal("* 2 EXPUNGE", (await expunger.CommandAsync("EXPUNGE"))[0]);

        var (store, requests) = await Measure(late, "STORE 2 +FLAGS (\\Seen)");
        Assert.DoesNotContain(store, l => l.StartsWith("* 2 FETCH", StringComparison.Ordinal));
        Assert.Equal(0, requests);
        var listed = await hosts.A.Services.GetRequiredService<MailboxIndex>().ListMessagesAsync(mailbox.MailboxId, SpecialUse.InboxId, includeSummary: false)
            .Select(m => m.Uid).ToListAsync();
        Assert.Equal([1L, 3L], listed);
    }

    /// <summary>
    /// A session read the folder row, then this process wrote to the folder (another session's
    /// APPEND) before the session claimed its \Recent messages. Before: the claim went out with the
    /// session's old ETag, got 412, read the row and tried again (3 requests); under imaptest 77 of
    /// 104 claims did. Now it starts from the row this process wrote: one PATCH.
    /// </summary>
    [Fact]
    public async Task A_recent_claim_after_this_process_wrote_the_folder_costs_one_request()
    {
        var mailbox = await hosts.CreateMailboxAsync(1);
        var index = hosts.A.Services.GetRequiredService<MailboxIndex>();
        var seen = (await index.GetFolderAsync(mailbox.MailboxId, SpecialUse.InboxId))!;
        var bytes = Encoding.UTF8.GetBytes(ImapTestHost.Message("later"));
        var blob = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
        var store = hosts.A.Services.GetRequiredService<MessageStore>();
        await using (var writer = store.CreateWriter(blob))
        {
            await writer.WriteAsync(bytes);
            await writer.CommitAsync();
        }
        var added = await index.AppendAsync(mailbox.MailboxId, SpecialUse.InboxId, new NewMessage { BlobName = blob, Size = bytes.Length, InternalDate = DateTimeOffset.UtcNow });

        var meter = hosts.MeterA;
        var total = meter.TotalRequests;
        var (from, to) = await index.ClaimRecentAsync(mailbox.MailboxId, seen);
        Assert.Equal(1, meter.TotalRequests - total);
        Assert.Equal((1L, added.Uid + 1), (from, to));
        // Claimed in storage: the next claim finds nothing new.
        var now = (await index.GetFolderAsync(mailbox.MailboxId, SpecialUse.InboxId))!;
        Assert.Equal(added.Uid + 1, now.RecentFromUid);
    }
}
