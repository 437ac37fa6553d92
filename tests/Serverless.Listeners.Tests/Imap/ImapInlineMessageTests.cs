using System.Globalization;
using System.Text;
using Azure.Data.Tables;
using MailKit.Net.Pop3;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Listeners.Tests.Infrastructure;
using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Storage;
using Xunit;
using Xunit.Abstractions;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>
/// A message IMAP-appended up to <c>Mail:Index:InlineMessageBytes</c> (64 KiB) is kept in its
/// message row and no blob is written (docs/storage.md, "Messages kept in their row"). Every
/// reader gives the same bytes as for a blob-stored copy of the same message — read through the
/// listener that appended it (its cache) and through another listener that must read the row.
/// </summary>
public sealed class ImapInlineMessageTests(TwoListeners hosts, ITestOutputHelper output) : IClassFixture<TwoListeners>
{
    private const string Needle = "zanzibarquokka";
    private const int TrashId = 4;   // the default folders' ids (docs/storage.md)
    private const int ArchiveId = 6;

    /// <summary>A multipart message with a text part (the SEARCH word) and a base64 part (BINARY decodes it).</summary>
    private static string Multipart(string subject, int padding = 0) =>
        "From: Sender <sender@example.org>\r\nTo: someone@example.org\r\nSubject: " + subject + "\r\n" +
        "Message-ID: <" + Guid.NewGuid().ToString("N") + "@example.org>\r\nMIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
        "--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nThe word is " + Needle + ".\r\n" + string.Concat(Enumerable.Repeat("padding line of text\r\n", padding)) +
        "--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
        Convert.ToBase64String(Enumerable.Range(0, 300).Select(i => (byte)i).ToArray(), Base64FormattingOptions.InsertLineBreaks) + "\r\n" +
        "--b1--\r\n";

    private MailStorage Storage => hosts.A.Services.GetRequiredService<MailStorage>();

    private static string Row(int folderId, long uid) => FormattableString.Invariant($"m|{folderId:D6}|{uid:D10}");

    private async Task<TableEntity?> ReadRowAsync(MailboxRecord mailbox, int folderId, long uid)
    {
        var row = await Storage.MailIndex.GetEntityIfExistsAsync<TableEntity>(mailbox.MailboxId, Row(folderId, uid));
        return row.HasValue ? row.Value : null;
    }

    private async Task<(long Uid, long Requests, IReadOnlyDictionary<(string Service, string Operation), long> ByKind)> AppendAsync(RawImap raw, string message)
    {
        var meter = hosts.MeterA;
        var before = meter.Snapshot();
        var total = meter.TotalRequests;
        var lines = await raw.CommandAsync($"APPEND INBOX {{{Encoding.UTF8.GetByteCount(message)}+}}\r\n{message}");
        var requests = meter.TotalRequests - total;
        var byKind = meter.Snapshot().Select(kv => (kv.Key, Count: kv.Value - before.GetValueOrDefault(kv.Key))).Where(x => x.Count > 0).ToDictionary(x => x.Key, x => x.Count);
        output.WriteLine($"APPEND of {message.Length} bytes: {requests} requests ({string.Join(", ", byKind.Select(kv => $"{kv.Key.Service} {kv.Key.Operation} {kv.Value}"))})");
        var ok = lines[^1];
        Assert.StartsWith($"{raw.LastTag} OK [APPENDUID ", ok, StringComparison.Ordinal);
        var uid = long.Parse(ok.Split(' ')[4].TrimEnd(']'), CultureInfo.InvariantCulture);
        return (uid, requests, byKind);
    }

    /// <summary>Files the same bytes as the ingest does (a blob, then the row), for comparison.</summary>
    private async Task<long> FileAsBlobAsync(MailboxRecord mailbox, string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        var blob = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
        await using (var writer = hosts.A.Services.GetRequiredService<MessageStore>().CreateWriter(blob))
        {
            await writer.WriteAsync(bytes);
            await writer.CommitAsync();
        }
        var (summary, _) = await MessageSummaryBuilder.BuildAsync(new MemoryStream(bytes));
        var result = await hosts.A.Services.GetRequiredService<MailboxIndex>().AppendAsync(mailbox.MailboxId, SpecialUse.InboxId,
            new NewMessage { BlobName = blob, Size = bytes.Length, InternalDate = DateTimeOffset.UtcNow, Summary = summary });
        return result.Uid;
    }

    private static async Task<List<string>> OkAsync(RawImap raw, string command)
    {
        var lines = await raw.CommandAsync(command);
        Assert.StartsWith($"{raw.LastTag} OK", lines[^1], StringComparison.Ordinal);
        return lines;
    }

    /// <summary>The FETCH answer for one UID with the UID taken out, so two messages' answers compare.</summary>
    private static async Task<List<string>> FetchAsync(RawImap raw, long uid, string items)
    {
        var lines = await raw.CommandAsync($"UID FETCH {uid} ({items})");
        Assert.Equal($"{raw.LastTag} OK UID FETCH completed", lines[^1]);
        // Only this message's FETCH (not EXISTS/RECENT news of the other), from " FETCH" on (sequence numbers differ).
        return lines[..^1].Where(l => l.Contains($"UID {uid}", StringComparison.Ordinal) && l.Contains(" FETCH (", StringComparison.Ordinal))
            .Select(l => l.Replace($"UID {uid}", "UID x", StringComparison.Ordinal)).Select(l => l[l.IndexOf(" FETCH (", StringComparison.Ordinal)..]).ToList();
    }

    [Fact]
    public async Task A_small_append_writes_no_blob_and_every_reader_gives_the_bytes_a_blob_would()
    {
        var mailbox = await hosts.CreateMailboxAsync(0);
        var message = Multipart("kept in its row");
        await using var a = await TwoListeners.SelectAsync(hosts.A, mailbox);

        // APPEND: one table transaction, no blob request at all (the mailbox's first append also
        // reads its box and folder rows, which the process then keeps; see the test below for a later one).
        var (inline, _, byKind) = await AppendAsync(a, message);
        Assert.DoesNotContain(byKind.Keys, k => k.Service == "blob");
        Assert.Equal(1, byKind.Where(kv => kv.Key.Operation != "GET").Sum(kv => kv.Value));
        var blob = await FileAsBlobAsync(mailbox, message);

        var row = (await ReadRowAsync(mailbox, SpecialUse.InboxId, inline))!;
        Assert.True(row.GetBoolean("Inline"));
        Assert.Equal(Encoding.UTF8.GetBytes(message), row.GetBinary("Raw0"));
        Assert.False(await Storage.Messages.GetBlobClient(row.GetString("Blob")!).ExistsAsync());
        Assert.Null((await ReadRowAsync(mailbox, SpecialUse.InboxId, blob))!.GetBoolean("Inline"));

        // A listing (FETCH of structure) never drags the bytes along; the byte readers do give them.
        var listed = await hosts.A.Services.GetRequiredService<MailboxIndex>().ListMessagesAsync(mailbox.MailboxId, SpecialUse.InboxId, includeSummary: true).ToListAsync();
        Assert.All(listed, m => Assert.Null(m.Content));
        Assert.True(listed.Single(m => m.Uid == inline).Inline);

        // FETCH (whole, a part, a ranged part, BINARY of the base64 part) and SEARCH BODY: on the
        // listener that appended it (its cache) and on another one (the row read from storage).
        const string Items = "BODY.PEEK[] BODY.PEEK[1] BODY.PEEK[1]<5.10> BODY.PEEK[HEADER.FIELDS (SUBJECT)] BINARY.PEEK[2] BINARY.SIZE[2] RFC822.SIZE BODYSTRUCTURE";
        await using var b = await TwoListeners.SelectAsync(hosts.B, mailbox);
        foreach (var session in new[] { a, b })
        {
            var fromRow = await FetchAsync(session, inline, Items);
            Assert.Equal(await FetchAsync(session, blob, Items), fromRow);
            Assert.Contains(message, string.Join("\r\n", fromRow), StringComparison.Ordinal);
            Assert.Equal($"* SEARCH {inline} {blob}", (await session.CommandAsync($"UID SEARCH BODY {Needle}"))[0]);
            Assert.Equal($"* SEARCH {inline} {blob}", (await session.CommandAsync($"UID SEARCH TEXT {Needle}"))[0]);
        }

        // POP3 RETR (and TOP) from the other listener.
        using (var pop3 = new Pop3Client())
        {
            await pop3.ConnectAsync("127.0.0.1", hosts.B.Ports.Pop3, SecureSocketOptions.None);
            await pop3.AuthenticateAsync(mailbox.Address, ImapTestHost.Password);
            Assert.Equal(2, pop3.Count);
            for (var i = 0; i < 2; i++)
            {
                using var retrieved = await pop3.GetStreamAsync(i);
                using var copy = new MemoryStream();
                await retrieved.CopyToAsync(copy);
                Assert.Equal(message, Encoding.UTF8.GetString(copy.ToArray()));
            }
            await pop3.DisconnectAsync(quit: true);
        }

        // COPY: the copy carries the bytes itself (no holder rows, nothing shared); read on B.
        var copied = await a.CommandAsync($"UID COPY {inline},{blob} Archive");
        Assert.StartsWith($"{a.LastTag} OK [COPYUID ", copied[^1], StringComparison.Ordinal);
        var copyRow = (await ReadRowAsync(mailbox, ArchiveId, 1))!;
        Assert.True(copyRow.GetBoolean("Inline"));
        Assert.NotEqual(true, copyRow.GetBoolean("Shared"));
        Assert.Equal(row.GetString("Blob"), copyRow.GetString("Blob")); // the same message: the same EMAILID
        Assert.Empty(await Storage.BlobHolders.QueryAsync<TableEntity>(e => e.PartitionKey == KeyEscaping.Escape(row.GetString("Blob")!)).ToListAsync());
        await using (var archive = await TwoListeners.SelectAsync(hosts.B, mailbox, "SELECT Archive"))
        {
            Assert.Equal(await FetchAsync(archive, 2, "BODY.PEEK[] BINARY.PEEK[2]"), await FetchAsync(archive, 1, "BODY.PEEK[] BINARY.PEEK[2]"));
            Assert.Contains(message, string.Join("\r\n", await FetchAsync(archive, 1, "BODY.PEEK[]")), StringComparison.Ordinal);
        }

        // MOVE: the bytes travel with the row.
        await OkAsync(a, $"UID MOVE {inline} Trash");
        Assert.Null(await ReadRowAsync(mailbox, SpecialUse.InboxId, inline));
        Assert.True((await ReadRowAsync(mailbox, TrashId, 1))!.GetBoolean("Inline"));
        await using (var trash = await TwoListeners.SelectAsync(hosts.B, mailbox, "SELECT Trash"))
        {
            Assert.Contains(message, string.Join("\r\n", await FetchAsync(trash, 1, "BODY.PEEK[]")), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_message_over_the_threshold_still_goes_to_a_blob()
    {
        var mailbox = await hosts.CreateMailboxAsync(0);
        var message = Multipart("too big for its row", padding: 4000); // ~88 KiB > 64 KiB
        Assert.True(message.Length > new IndexOptions().InlineMessageBytes);
        await using var a = await TwoListeners.SelectAsync(hosts.A, mailbox);
        var (uid, _, byKind) = await AppendAsync(a, message);
        Assert.Contains(byKind.Keys, k => k.Service == "blob");
        var row = (await ReadRowAsync(mailbox, SpecialUse.InboxId, uid))!;
        Assert.Null(row.GetBoolean("Inline"));
        Assert.Null(row.GetBinary("Raw0"));
        Assert.True(await Storage.Messages.GetBlobClient(row.GetString("Blob")!).ExistsAsync());
        await using var b = await TwoListeners.SelectAsync(hosts.B, mailbox);
        Assert.Contains(message, string.Join("\r\n", await FetchAsync(b, uid, "BODY.PEEK[]")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expunged_inline_message_leaves_nothing_behind_and_costs_no_blob_request()
    {
        var mailbox = await hosts.CreateMailboxAsync(0);
        await using var a = await TwoListeners.SelectAsync(hosts.A, mailbox);
        var (first, _, _) = await AppendAsync(a, Multipart("one"));
        var (second, requests, _) = await AppendAsync(a, Multipart("two"));
        Assert.Equal(1, requests); // the transaction alone: no blob put
        var names = new List<string>();
        foreach (var uid in new[] { first, second })
        {
            names.Add((await ReadRowAsync(mailbox, SpecialUse.InboxId, uid))!.GetString("Blob")!);
        }
        await OkAsync(a, "CREATE Kept");
        await OkAsync(a, $"UID COPY {first} Kept");

        var meter = hosts.MeterA;
        var before = meter.Snapshot();
        await OkAsync(a, $"UID STORE {first}:{second} +FLAGS.SILENT (\\Deleted)");
        var expunge = await a.CommandAsync("EXPUNGE");
        Assert.Equal(["* 2 EXPUNGE", "* 1 EXPUNGE", $"{a.LastTag} OK EXPUNGE completed"], expunge);
        // Folder DELETE expunges the copy the same way.
        await OkAsync(a, "DELETE Kept");
        var blobRequests = meter.Snapshot().Where(kv => kv.Key.Service == "blob").Sum(kv => kv.Value - before.GetValueOrDefault(kv.Key));
        Assert.Equal(0, blobRequests);

        var rows = await Storage.MailIndex.QueryAsync<TableEntity>(e => e.PartitionKey == mailbox.MailboxId).ToListAsync();
        Assert.DoesNotContain(rows, r => r.RowKey.StartsWith("m|", StringComparison.Ordinal));
        var box = rows.Single(r => r.RowKey == "box");
        Assert.Equal(0, box.GetInt64("Messages"));
        Assert.Equal(0, box.GetInt64("Bytes"));
        foreach (var name in names)
        {
            Assert.False(await Storage.Messages.GetBlobClient(name).ExistsAsync());
            Assert.Empty(await Storage.BlobHolders.QueryAsync<TableEntity>(e => e.PartitionKey == KeyEscaping.Escape(name)).ToListAsync());
        }
    }
}
