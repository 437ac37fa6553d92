using System.Text;
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
/// Two listener instances on one storage account. Instance A reuses a folder check for minutes
/// (<c>CommandCheckInterval</c>), so its request counts show only what a command itself costs.
/// </summary>
public sealed class TwoListeners : IAsyncLifetime
{
    private int _mailboxes;

    public ListenerHost A { get; private set; } = null!;

    public ListenerHost B { get; private set; } = null!;

    public string Domain { get; } = "own" + Guid.NewGuid().ToString("N")[..8] + ".test";

    public StorageRequestMeter MeterA => A.Services.GetRequiredService<StorageRequestMeter>();

    public async Task InitializeAsync()
    {
        A = await ListenerHost.StartAsync(new Dictionary<string, string?>
        {
            ["Mail:Listeners:AllowPlaintextAuthOnLoopback"] = "true",
            ["Mail:Imap:CommandCheckInterval"] = "00:10:00",
        });
        B = await ListenerHost.StartAsync(new Dictionary<string, string?> { ["Mail:Listeners:AllowPlaintextAuthOnLoopback"] = "true" },
            A.Services.GetRequiredService<StorageOptions>().Prefix);
        var directory = A.Services.GetRequiredService<MailDirectory>();
        await directory.CreateTenantAsync("t1", "Tenant one");
        await directory.AddDomainAsync("t1", Domain, null);
    }

    public async Task DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
    }

    /// <summary>A fresh mailbox with <paramref name="messages"/> messages in INBOX, filed through instance A.</summary>
    public async Task<MailboxRecord> CreateMailboxAsync(int messages)
    {
        var n = Interlocked.Increment(ref _mailboxes);
        var mailbox = await A.Services.GetRequiredService<MailDirectory>().CreateMailboxAsync("t1", MailAddress.Parse($"user{n}@{Domain}"), ImapTestHost.Password, $"User {n}", 0);
        var store = A.Services.GetRequiredService<MessageStore>();
        var index = A.Services.GetRequiredService<MailboxIndex>();
        for (var i = 1; i <= messages; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(ImapTestHost.Message("m" + i));
            var blob = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
            await using (var writer = store.CreateWriter(blob))
            {
                await writer.WriteAsync(bytes);
                await writer.CommitAsync();
            }
            await index.AppendAsync(mailbox.MailboxId, SpecialUse.InboxId, new NewMessage { BlobName = blob, Size = bytes.Length, InternalDate = DateTimeOffset.UtcNow });
        }
        return mailbox;
    }

    public static async Task<RawImap> SelectAsync(ListenerHost host, MailboxRecord mailbox, string select = "SELECT INBOX")
    {
        var raw = await RawImap.ConnectAsync(host.Ports.Imap);
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        Assert.EndsWith("] SELECT completed", (await raw.CommandAsync(select))[^1], StringComparison.Ordinal);
        return raw;
    }
}

/// <summary>
/// A session's own STORE / APPEND / EXPUNGE / MOVE reach the shared folder view from what the
/// write reported (<see cref="FolderDelta"/>), not by reading back what was just written; every
/// other session, in this listener or another, still sees each change.
/// </summary>
public sealed class ImapOwnWriteTests(TwoListeners hosts, ITestOutputHelper output) : IClassFixture<TwoListeners>
{
    private static string Append(string subject)
    {
        var message = ImapTestHost.Message(subject).TrimEnd('\r', '\n');
        return $"APPEND INBOX (\\Seen) {{{Encoding.UTF8.GetByteCount(message)}+}}\r\n{message}";
    }

    private async Task<(List<string> Lines, long Requests)> Measure(RawImap raw, string command)
    {
        var meter = hosts.MeterA;
        var before = meter.Snapshot();
        var total = meter.TotalRequests;
        var lines = await raw.CommandAsync(command);
        var requests = meter.TotalRequests - total;
        var detail = meter.Snapshot().Select(kv => (kv.Key, kv.Value - before.GetValueOrDefault(kv.Key))).Where(x => x.Item2 > 0)
            .Select(x => $"{x.Key.Service} {x.Key.Operation} {x.Item2}");
        output.WriteLine($"{command.Split('\r')[0]}: {requests} requests ({string.Join(", ", detail)})");
        return (lines, requests);
    }

    [Fact]
    public async Task Own_store_append_and_expunge_cost_no_read_back()
    {
        var mailbox = await hosts.CreateMailboxAsync(3);
        await using var raw = await TwoListeners.SelectAsync(hosts.A, mailbox);

        // STORE: the batch alone (this process filed the message, so it knows the row and its ETag);
        // the view follows from the batch's result.
        var (store, requests) = await Measure(raw, "UID STORE 1 +FLAGS (\\Flagged)");
        Assert.Equal(["* 1 FETCH (FLAGS (\\Flagged \\Recent) UID 1)", $"{raw.LastTag} OK UID STORE completed"], store);
        Assert.Equal(1, requests);

        // APPEND: the batch alone — a small message is kept in its row, so there is no blob to put
        // (docs/storage.md, "Messages kept in their row"). The folder row is not read first: INBOX's
        // id is fixed, and the batch checks the folder's name on its row, which it writes under the row's ETag.
        var (append, appendRequests) = await Measure(raw, Append("appended"));
        Assert.Contains("* 4 EXISTS", append);
        Assert.StartsWith($"{raw.LastTag} OK [APPENDUID ", append[^1], StringComparison.Ordinal);
        Assert.Equal(1, appendRequests);

        // EXPUNGE: the batch (the message row is known from the STORE), the blob. The folder row is
        // not read first: the batch deletes only rows still marked \Deleted under their ETags.
        (_, requests) = await Measure(raw, "UID STORE 2 +FLAGS.SILENT (\\Deleted)");
        Assert.Equal(1, requests);
        var (expunge, expungeRequests) = await Measure(raw, "EXPUNGE");
        Assert.Equal(["* 2 EXPUNGE", $"{raw.LastTag} OK EXPUNGE completed"], expunge);
        Assert.Equal(2, expungeRequests);

        // What the session knows is what storage says.
        Assert.Equal(["* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent))", "* 2 FETCH (UID 3 FLAGS (\\Recent))", "* 3 FETCH (UID 4 FLAGS (\\Seen \\Recent))"],
            (await raw.CommandAsync("FETCH 1:* (UID FLAGS)"))[..^1]);
        var listed = await hosts.A.Services.GetRequiredService<MailboxIndex>().ListMessagesAsync(mailbox.MailboxId, SpecialUse.InboxId, includeSummary: false)
            .Select(m => (m.Uid, string.Join(' ', m.Flags))).ToListAsync();
        Assert.Equal([(1L, "\\Flagged"), (3L, ""), (4L, "\\Seen")], listed);
    }

    [Fact]
    public async Task Other_sessions_here_and_on_another_listener_see_every_change_with_the_same_numbers()
    {
        var mailbox = await hosts.CreateMailboxAsync(3);
        await using var writer = await TwoListeners.SelectAsync(hosts.A, mailbox, "SELECT INBOX (CONDSTORE)");
        await using var here = await TwoListeners.SelectAsync(hosts.A, mailbox, "SELECT INBOX (CONDSTORE)");
        await using var there = await TwoListeners.SelectAsync(hosts.B, mailbox, "SELECT INBOX (CONDSTORE)");

        var flagged = await writer.CommandAsync("UID STORE 1 +FLAGS (\\Flagged)");
        var modSeq = long.Parse(flagged[0].Split("MODSEQ (")[1].TrimEnd(')', ')'), System.Globalization.CultureInfo.InvariantCulture);
        await writer.CommandAsync(Append("appended"));
        await writer.CommandAsync("UID STORE 2 +FLAGS.SILENT (\\Deleted)");
        Assert.Equal("* 2 EXPUNGE", (await writer.CommandAsync("EXPUNGE"))[0]);
        var moved = await writer.CommandAsync("UID MOVE 3 Trash");
        Assert.Contains("* 2 EXPUNGE", moved);

        // The session sharing the writer's folder view got it without reading the changes: NOOP
        // reads the folder row only, and it says the view is current.
        var total = hosts.MeterA.TotalRequests;
        var hereNoop = (await here.CommandAsync("NOOP"))[..^1];
        Assert.Equal(1, hosts.MeterA.TotalRequests - total);
        var thereNoop = (await there.CommandAsync("NOOP"))[..^1];
        output.WriteLine(string.Join("\n", hereNoop));
        // The appended message is \Recent in the writer, the first session of this listener to see it
        // (RFC 3501 2.3.2); a session on another listener instance may see it as \Recent too (README).
        static string NotRecent(string line) => line.Replace(" \\Recent", "", StringComparison.Ordinal).Replace("\\Recent", "", StringComparison.Ordinal);
        Assert.Equal(thereNoop.Select(l => l == "* 1 RECENT" ? "* 0 RECENT" : l), hereNoop);
        Assert.Equal(["* 3 EXPUNGE", "* 2 EXPUNGE", "* 2 EXISTS", "* 0 RECENT", $"* 1 FETCH (UID 1 FLAGS (\\Flagged) MODSEQ ({modSeq}))"], hereNoop);

        var hereFetch = (await here.CommandAsync("FETCH 1:* (UID FLAGS MODSEQ)"))[..^1];
        Assert.Equal((await there.CommandAsync("FETCH 1:* (UID FLAGS MODSEQ)"))[..^1].Select(NotRecent), hereFetch);
        Assert.Equal(2, hereFetch.Count);
        Assert.StartsWith($"* 1 FETCH (UID 1 FLAGS (\\Flagged) MODSEQ ({modSeq}))", hereFetch[0], StringComparison.Ordinal);
        Assert.StartsWith("* 2 FETCH (UID 4 FLAGS (\\Seen) MODSEQ (", hereFetch[1], StringComparison.Ordinal);
        var highest = (await here.CommandAsync("STATUS INBOX (HIGHESTMODSEQ)"))[0];
        Assert.Equal(highest, (await there.CommandAsync("STATUS INBOX (HIGHESTMODSEQ)"))[0]);
    }

    [Fact]
    public async Task A_write_from_another_listener_between_a_sessions_read_and_its_write_is_read_from_storage()
    {
        var mailbox = await hosts.CreateMailboxAsync(3);
        await using var writer = await TwoListeners.SelectAsync(hosts.A, mailbox);
        await using var here = await TwoListeners.SelectAsync(hosts.A, mailbox);
        await using var there = await TwoListeners.SelectAsync(hosts.B, mailbox);

        // The other listener changes the folder after this session last looked at it...
        Assert.Equal("* 3 FETCH (FLAGS (\\Answered) UID 3)", (await there.CommandAsync("UID STORE 3 +FLAGS (\\Answered)"))[0]);
        // ...so this session's write does not follow on from its view: the view is read again, and
        // the session learns of both changes.
        var (store, requests) = await Measure(writer, "UID STORE 1 +FLAGS (\\Flagged)");
        Assert.Equal(["* 1 FETCH (FLAGS (\\Flagged \\Recent) UID 1)", "* 3 FETCH (UID 3 FLAGS (\\Answered \\Recent))", $"{writer.LastTag} OK UID STORE completed"], store);
        Assert.True(requests > 2, $"{requests} requests: the view cannot have been read back");

        var hereNoop = await here.CommandAsync("NOOP");
        Assert.Contains("* 1 FETCH (UID 1 FLAGS (\\Flagged))", hereNoop);
        Assert.Contains("* 3 FETCH (UID 3 FLAGS (\\Answered))", hereNoop);

        // And the next write, now following on from a current view, needs no read back again (and,
        // the row being known to this process, no read at all: the batch alone).
        (store, requests) = await Measure(writer, "UID STORE 2 +FLAGS (\\Seen)");
        Assert.Equal(["* 2 FETCH (FLAGS (\\Seen \\Recent) UID 2)", $"{writer.LastTag} OK UID STORE completed"], store);
        Assert.Equal(1, requests);
        Assert.Contains("* 2 FETCH (UID 2 FLAGS (\\Seen))", await there.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task An_expunge_from_a_view_not_read_again_never_removes_a_message_whose_deleted_flag_went_elsewhere()
    {
        var mailbox = await hosts.CreateMailboxAsync(3);
        await using var writer = await TwoListeners.SelectAsync(hosts.A, mailbox);
        await using var there = await TwoListeners.SelectAsync(hosts.B, mailbox);
        await writer.CommandAsync("UID STORE 2:3 +FLAGS.SILENT (\\Deleted)");
        // The other listener takes \Deleted off message 3; this listener's view (checked every ten
        // minutes here) and its remembered row still say \Deleted.
        Assert.Equal("* 3 FETCH (FLAGS () UID 3)", (await there.CommandAsync("UID STORE 3 -FLAGS (\\Deleted)"))[0]);

        var expunge = await writer.CommandAsync("EXPUNGE");
        Assert.Contains("* 2 EXPUNGE", expunge);
        Assert.DoesNotContain("* 3 EXPUNGE", expunge);
        var listed = await hosts.A.Services.GetRequiredService<MailboxIndex>().ListMessagesAsync(mailbox.MailboxId, SpecialUse.InboxId, includeSummary: false)
            .Select(m => (m.Uid, string.Join(' ', m.Flags))).ToListAsync();
        Assert.Equal([(1L, ""), (3L, "")], listed);
    }

    [Fact]
    public async Task An_append_by_a_remembered_folder_id_is_refused_once_the_folder_was_renamed_elsewhere()
    {
        var mailbox = await hosts.CreateMailboxAsync(0);
        await using var raw = await TwoListeners.SelectAsync(hosts.A, mailbox);
        Assert.EndsWith("CREATE completed", (await raw.CommandAsync("CREATE Work"))[^1], StringComparison.Ordinal);
        var first = await raw.CommandAsync(Append("first").Replace("APPEND INBOX", "APPEND Work", StringComparison.Ordinal));
        Assert.StartsWith($"{raw.LastTag} OK [APPENDUID ", first[^1], StringComparison.Ordinal);
        await using (var there = await TwoListeners.SelectAsync(hosts.B, mailbox))
        {
            Assert.EndsWith("OK RENAME completed", (await there.CommandAsync("RENAME Work Play"))[^1], StringComparison.Ordinal);
        }

        // This listener still remembers Work's id (and the lane its row): the append's transaction
        // finds the row renamed and the message is not filed under the new name.
        var refused = await raw.CommandAsync(Append("second").Replace("APPEND INBOX", "APPEND Work", StringComparison.Ordinal));
        Assert.Equal($"{raw.LastTag} NO [TRYCREATE] Mailbox does not exist", refused[^1]);
        var play = await hosts.A.Services.GetRequiredService<MailboxIndex>().FindFolderAsync(mailbox.MailboxId, "Play");
        Assert.Equal(1, play!.UidNext - 1);
        // Looked up again from storage, the name now misses for good.
        var third = await raw.CommandAsync(Append("third").Replace("APPEND INBOX", "APPEND Work", StringComparison.Ordinal));
        Assert.Equal($"{raw.LastTag} NO [TRYCREATE] Mailbox does not exist", third[^1]);
    }

    // Costs that showed in Dovecot's imaptest (issue 16: ten clients on one INBOX that log in, select,
    // fetch, store, expunge and append): what this process wrote or learnt is not asked of storage again.

    /// <summary>Before: a range query of the message rows and a blob read (2 requests).</summary>
    [Fact]
    public async Task A_message_appended_here_is_fetched_without_a_request()
    {
        var mailbox = await hosts.CreateMailboxAsync(2);
        await using var raw = await TwoListeners.SelectAsync(hosts.A, mailbox);
        var message = ImapTestHost.Message("appended here", body: "The body.").TrimEnd('\r', '\n');
        var append = await raw.CommandAsync($"APPEND INBOX {{{Encoding.UTF8.GetByteCount(message)}+}}\r\n{message}");
        Assert.StartsWith($"{raw.LastTag} OK [APPENDUID ", append[^1], StringComparison.Ordinal);

        var (fetch, requests) = await Measure(raw, "UID FETCH 3 (UID RFC822.SIZE INTERNALDATE SAVEDATE ENVELOPE BODY.PEEK[])");
        Assert.Contains("\"appended here\"", fetch[0], StringComparison.Ordinal);
        Assert.DoesNotContain("SAVEDATE NIL", fetch[0], StringComparison.Ordinal); // the remembered row has its save date (RFC 8514)
        Assert.Contains("SAVEDATE \"", fetch[0], StringComparison.Ordinal);
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
    /// The rows a STORE or EXPUNGE must read are read by key. The messages were filed by the other
    /// listener, so this one remembers none of their rows: a STORE of one reads its row with a point
    /// read and writes the batch (before: a range query and the batch; Azurite answers a query by
    /// filtering every row of the table, a point read by key). A STORE this process's memory says
    /// changes nothing is checked against storage the same way, with one point read and no write.
    /// </summary>
    [Fact]
    public async Task A_store_of_a_message_this_listener_does_not_remember_reads_its_row_by_key()
    {
        var mailbox = await hosts.CreateMailboxAsync(0);
        var elsewhere = hosts.B.Services.GetRequiredService<MailboxIndex>();
        for (var i = 1; i <= 3; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(ImapTestHost.Message("filed elsewhere " + i));
            await elsewhere.AppendAsync(mailbox.MailboxId, SpecialUse.InboxId, new NewMessage
            {
                BlobName = MessageStore.NewBlobName(DateTimeOffset.UtcNow),
                Content = bytes,
                Size = bytes.Length,
                InternalDate = DateTimeOffset.UtcNow,
            });
        }
        await using var raw = await TwoListeners.SelectAsync(hosts.A, mailbox);
        // The first write here also reads the folder row once (its counters and ETag, kept after).
        Assert.EndsWith("OK UID STORE completed", (await raw.CommandAsync("UID STORE 1 +FLAGS (\\Seen)"))[^1], StringComparison.Ordinal);

        var before = hosts.MeterA.ActivitySnapshot();
        var (store, requests) = await Measure(raw, "UID STORE 2 +FLAGS (\\Flagged)");
        Assert.Equal(["* 2 FETCH (FLAGS (\\Flagged \\Recent) UID 2)", $"{raw.LastTag} OK UID STORE completed"], store);
        Assert.Equal(2, requests);
        Assert.Equal([("GET point", 1L), ("Batch", 1L)], TableRequests(before, "IMAP UID STORE"));

        // Already \Flagged by this process's memory: checked by key, nothing written.
        before = hosts.MeterA.ActivitySnapshot();
        (store, requests) = await Measure(raw, "UID STORE 2 +FLAGS (\\Flagged)");
        Assert.Equal(["* 2 FETCH (FLAGS (\\Flagged \\Recent) UID 2)", $"{raw.LastTag} OK UID STORE completed"], store);
        Assert.Equal(1, requests);
        Assert.Equal([("GET point", 1L)], TableRequests(before, "IMAP UID STORE"));

        // The other listener sees the flag with the MODSEQ this one reported.
        await using var there = await TwoListeners.SelectAsync(hosts.B, mailbox, "SELECT INBOX (CONDSTORE)");
        Assert.StartsWith("* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ (", (await there.CommandAsync("UID FETCH 2 (FLAGS MODSEQ)"))[0], StringComparison.Ordinal);
    }

    /// <summary>Table requests of one command since <paramref name="before"/>, by operation (point read and query apart).</summary>
    private List<(string Operation, long Count)> TableRequests(IReadOnlyDictionary<StorageActivityKey, long> before, string activity) =>
        hosts.MeterA.ActivitySnapshot()
            .Where(kv => kv.Key.Activity == activity && kv.Key.Service == "table")
            .Select(kv => (kv.Key.Operation, kv.Value - before.GetValueOrDefault(kv.Key)))
            .Where(x => x.Item2 > 0)
            .OrderByDescending(x => x.Operation, StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// A session appends to the folder it has selected read-write: the message is \Recent in that
    /// session (the first told of it), and the append's own write of the folder row moves
    /// RecentFromUid past it. Before: the next SELECT claimed it again with a PATCH (2 requests: folder
    /// row + claim; under imaptest 0.29 PATCHes per SELECT); now nothing is left to claim (1).
    /// </summary>
    [Fact]
    public async Task An_append_to_the_selected_folder_claims_its_recent_in_its_own_write()
    {
        var mailbox = await hosts.CreateMailboxAsync(1);
        await using var raw = await TwoListeners.SelectAsync(hosts.A, mailbox);
        var appended = await raw.CommandAsync(Append("mine"));
        Assert.Contains("* 2 EXISTS", appended);
        Assert.Contains("* 2 FETCH (FLAGS (\\Seen \\Recent))", await raw.CommandAsync("FETCH 2 FLAGS"));

        await using var next = await RawImap.ConnectAsync(hosts.A.Ports.Imap);
        await next.LoginAsync(mailbox.Address, ImapTestHost.Password);
        var (selected, requests) = await Measure(next, "SELECT INBOX");
        Assert.Contains("* 2 EXISTS", selected);
        Assert.Contains("* 0 RECENT", selected);
        Assert.Equal(1, requests);
        await using var there = await RawImap.ConnectAsync(hosts.B.Ports.Imap);
        await there.LoginAsync(mailbox.Address, ImapTestHost.Password);
        Assert.Contains("* 0 RECENT", await there.CommandAsync("SELECT INBOX"));

        // Not selected (or selected elsewhere): the append claims nothing, and the next SELECT does.
        await next.CommandAsync("SELECT Drafts");
        await raw.CommandAsync("CLOSE");
        await there.CommandAsync("CLOSE");
        await next.CommandAsync(Append("from elsewhere"));
        await using var last = await RawImap.ConnectAsync(hosts.A.Ports.Imap);
        await last.LoginAsync(mailbox.Address, ImapTestHost.Password);
        Assert.Contains("* 1 RECENT", await last.CommandAsync("SELECT INBOX"));
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
