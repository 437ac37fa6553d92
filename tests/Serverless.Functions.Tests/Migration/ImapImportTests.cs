using System.Text;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Http;
using Serverless.Functions.Tests.Provisioning;
using Serverless.Functions.Queues;
using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Mail.Migration;
using Serverless.Mail.Storage;
using Serverless.Testing.Stack;
using Xunit;
using Xunit.Abstractions;
using static Serverless.Functions.Tests.Migration.MigrationTestKit;
using static Serverless.Functions.Tests.Provisioning.ApiTestHost;

namespace Serverless.Functions.Tests.Migration;

/// <summary>
/// Issue 22's server-side import, from a real IMAP server on loopback — our own listener, on its own
/// storage, as the source — into a mailbox of the function app: folders, flags, keywords, dates and
/// 8-bit bodies byte for byte; a run that dies halfway is resumed without duplicates; an import of
/// the same source again copies only what is new; private addresses are refused unless allowed.
/// </summary>
public sealed class ImapImportTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string SourcePassword = "source password 1234";
    private DevHostStack _source = null!;
    private MailboxRecord _sourceBox = null!;

    public async Task InitializeAsync()
    {
        _source = await DevHostStack.StartAsync(new DevHostStackOptions
        {
            HostName = "old.test",
            Settings = new Dictionary<string, string?> { ["Mail:Listeners:AllowPlaintextAuthOnLoopback"] = "true" },
        });
        var directory = _source.Get<MailDirectory>();
        await directory.CreateTenantAsync("old", "Old host");
        await directory.AddDomainAsync("old", "old.test", null);
        _sourceBox = await directory.CreateMailboxAsync("old", MailAddress.Parse("mover@old.test"), SourcePassword, null, 0);
    }

    public async Task DisposeAsync() => await _source.DisposeAsync();

    private static byte[] Message(string subject, string body) =>
        Encoding.UTF8.GetBytes($"From: a@old.test\r\nTo: mover@old.test\r\nSubject: {subject}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n");

    private static DateTimeOffset Day(int d) => new(2024, 3, d, 9, 30, 15, TimeSpan.Zero);

    private object Source(string password = SourcePassword) => new
    {
        host = "127.0.0.1", port = _source.Port("Imap"), security = "none", username = "mover@old.test", password,
    };

    private static Task<ApiTestHost> TargetAsync(bool allowPrivate = true, int batchSize = 3, string leaseTime = "00:00:00") => StartAsync(new Dictionary<string, string?>
    {
        ["Mail:Outbound:AllowPrivateNetworks"] = allowPrivate ? "true" : "false",
        ["Mail:Import:SecretKey"] = "import-secret-for-tests-0123456789",
        ["Mail:Import:BatchSize"] = batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Mail:Import:LeaseTime"] = leaseTime, // 0: a run that dies leaves no lease in the way of its redelivered message
    });

    private static async Task<(string Key, MailboxRecord Mailbox)> TenantAsync(ApiTestHost host)
    {
        var key = Expect(await Send(Request("POST", AdminKey, new { id = "acme" }), host.Function<TenantsFunction>().Create), "CreateTenant", 201).Str("apiKey");
        Expect(await Send(Request("POST", key, new { name = "acme.test" }), r => host.Function<DomainsFunction>().Create(r, "acme")), "CreateDomain", 201);
        Expect(await Send(Request("POST", key, new { address = "new@acme.test", password = "long enough password" }), r => host.Function<MailboxesFunction>().Create(r, "acme")),
            "CreateMailbox", 201);
        return (key, (await host.Services.GetRequiredService<MailDirectory>().GetMailboxAsync(MailAddress.Parse("new@acme.test")))!);
    }

    [Fact]
    public async Task Folders_flags_keywords_dates_and_8bit_bodies_arrive_byte_for_byte_and_a_run_that_dies_halfway_resumes_without_duplicates()
    {
        var src = _source.App.Services;
        await PutAsync(src, _sourceBox.MailboxId, "INBOX", Message("Grüße", "8-bit body: Grüße aus Köln, ½ € — ✓"), Day(1), "\\Seen", "$label1");
        await PutAsync(src, _sourceBox.MailboxId, "INBOX", Message("Plain", "From the old host\r\n>From quoted"), Day(2), "\\Flagged", "\\Answered");
        await PutAsync(src, _sourceBox.MailboxId, "INBOX", Message("Unread", "nothing set"), Day(3));
        await PutAsync(src, _sourceBox.MailboxId, "Sent", Message("Sent one", "sent"), Day(4), "\\Seen");
        await PutAsync(src, _sourceBox.MailboxId, "Sent", Message("Sent two", "draft-ish"), Day(5), "\\Seen", "\\Draft", "Work");
        await PutAsync(src, _sourceBox.MailboxId, "Projects/2026", Message("Plan", "plan"), Day(6), "$Forwarded");
        await PutAsync(src, _sourceBox.MailboxId, "Projects/2026", Message("Budget", "budget"), Day(7), "\\Deleted", "\\Seen");
        var expected = await ReadAsync(src, _sourceBox.MailboxId);

        await using var host = await TargetAsync();
        var (key, mailbox) = await TenantAsync(host);
        var imports = host.Function<ImportsFunction>();
        var accepted = Expect(await Send(Request("POST", key, Source()), r => imports.Start(r, "acme", "new@acme.test")), "StartImport", 202);
        var id = accepted.Str("id");
        Assert.Equal($"/api/tenants/acme/mailboxes/new%40acme.test/imports/{id}", accepted.Headers.Location.ToString());
        Assert.Equal(("imap", "queued"), (accepted.Str("kind"), accepted.Str("status")));

        // The first run dies after filing two messages, before it could record anything.
        var queue = host.Services.GetRequiredService<MailStorage>().Queue(StorageNames.MailboxImportQueue);
        var first = Assert.Single((await queue.ReceiveMessagesAsync(1)).Value);
        var index = host.Services.GetRequiredService<MailboxIndex>();
        using var crash = new CancellationTokenSource();
        var appends = 0;
        void CountAppends(string mailboxId, int folderId) => _ = Interlocked.Increment(ref appends) >= 2 ? crash.CancelAsync() : Task.CompletedTask;
        index.FolderChanged += CountAppends;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.Function<MailboxImportFunction>().Run(first.Body.ToString(), crash.Token));
        index.FolderChanged -= CountAppends;
        Assert.Equal(2, (await index.ListFoldersAsync(mailbox.MailboxId)).Single(f => f.Name == "INBOX").Messages);

        // Its message comes back; the import resumes and finishes in runs of three.
        await host.Function<MailboxImportFunction>().Run(first.Body.ToString(), default);
        await queue.DeleteMessageAsync(first.MessageId, first.PopReceipt);
        Assert.True(await DrainAsync(host) >= 2);
        var status = Expect(await Send(Request("GET", key), r => imports.Get(r, "acme", "new@acme.test", id)), "GetImport", 200);
        Assert.Equal("completed", status.Str("status"));
        Assert.Equal((7, 7, 0), (status.Body.GetProperty("messagesCopied").GetInt64(), status.Body.GetProperty("messagesTotal").GetInt64(),
            status.Body.GetProperty("errors").GetInt64()));
        Assert.Equal(status.Body.GetProperty("foldersTotal").GetInt32(), status.Body.GetProperty("foldersDone").GetInt32());
        Assert.Equal(expected.Values.Sum(l => l.Sum(m => (long)m.Bytes.Length)), status.Body.GetProperty("bytes").GetInt64());

        var actual = await ReadAsync(host.Services, mailbox.MailboxId);
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (folder, messages) in expected)
        {
            Assert.Equal(messages, actual[folder]);
        }
        // The source password is gone with the import.
        var row = (await host.Services.GetRequiredService<MailStorage>().Table(StorageNames.ImportsTable).GetEntityAsync<TableEntity>(mailbox.MailboxId, "job|" + id)).Value;
        Assert.Null(row.GetString("Secret"));

        // Mail that arrived at the old host since: a new import of the same source copies only that.
        await PutAsync(src, _sourceBox.MailboxId, "INBOX", Message("Late", "arrived after the first import"), Day(8), "\\Seen");
        var again = Expect(await Send(Request("POST", key, Source()), r => imports.Start(r, "acme", "new@acme.test")), "StartImport", 202).Str("id");
        await DrainAsync(host);
        var second = Expect(await Send(Request("GET", key), r => imports.Get(r, "acme", "new@acme.test", again)), "GetImport", 200);
        Assert.Equal(("completed", 1L, 1L), (second.Str("status"), second.Body.GetProperty("messagesCopied").GetInt64(), second.Body.GetProperty("messagesTotal").GetInt64()));
        Assert.Equal((await ReadAsync(src, _sourceBox.MailboxId))["INBOX"], (await ReadAsync(host.Services, mailbox.MailboxId))["INBOX"]);
    }

    [Fact]
    public async Task A_run_that_dies_holding_its_lease_is_taken_over_when_the_lease_ends()
    {
        var src = _source.App.Services;
        await PutAsync(src, _sourceBox.MailboxId, "INBOX", Message("One", "1"), Day(1));
        await PutAsync(src, _sourceBox.MailboxId, "INBOX", Message("Two", "2"), Day(2));
        await using var host = await TargetAsync(leaseTime: "00:00:05");
        var (key, mailbox) = await TenantAsync(host);
        Expect(await Send(Request("POST", key, Source()), r => host.Function<ImportsFunction>().Start(r, "acme", "new@acme.test")), "StartImport", 202);
        var queue = host.Services.GetRequiredService<MailStorage>().Queue(StorageNames.MailboxImportQueue);
        var first = Assert.Single((await queue.ReceiveMessagesAsync(1)).Value);
        await queue.DeleteMessageAsync(first.MessageId, first.PopReceipt);
        var index = host.Services.GetRequiredService<MailboxIndex>();
        using var crash = new CancellationTokenSource();
        void Stop(string mailboxId, int folderId) => crash.Cancel();
        index.FolderChanged += Stop;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.Function<MailboxImportFunction>().Run(first.Body.ToString(), crash.Token));
        index.FolderChanged -= Stop;

        // The message again (another copy, or the redelivery): the lease is still held, so it only
        // comes back later — not lost, and nothing copied twice meanwhile.
        await host.Function<MailboxImportFunction>().Run(first.Body.ToString(), default);
        Assert.Empty((await queue.ReceiveMessagesAsync(1)).Value);
        Assert.Equal(1, (await index.ListFoldersAsync(mailbox.MailboxId)).Single(f => f.Name == "INBOX").Messages);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        Azure.Storage.Queues.Models.QueueMessage[] back;
        while ((back = (await queue.ReceiveMessagesAsync(1)).Value).Length == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250); // until the delayed message becomes visible (lease 5 s + 1 s)
        }
        var again = Assert.Single(back);
        await host.Function<MailboxImportFunction>().Run(again.Body.ToString(), default);
        await queue.DeleteMessageAsync(again.MessageId, again.PopReceipt);
        await DrainAsync(host);
        Assert.Equal((await ReadAsync(src, _sourceBox.MailboxId))["INBOX"], (await ReadAsync(host.Services, mailbox.MailboxId))["INBOX"]);
    }

    [Fact]
    public async Task A_refused_login_fails_the_import_with_the_reason_and_a_cancel_ends_it_and_forgets_the_password()
    {
        await using var host = await TargetAsync();
        var (key, mailbox) = await TenantAsync(host);
        var imports = host.Function<ImportsFunction>();
        var wrong = Expect(await Send(Request("POST", key, Source("not the password")), r => imports.Start(r, "acme", "new@acme.test")), "StartImport", 202).Str("id");
        await DrainAsync(host);
        var failed = Expect(await Send(Request("GET", key), r => imports.Get(r, "acme", "new@acme.test", wrong)), "GetImport", 200);
        Assert.Equal("failed", failed.Str("status"));
        Assert.Contains("refused the login", failed.Str("lastError"), StringComparison.Ordinal);

        var id = Expect(await Send(Request("POST", key, Source()), r => imports.Start(r, "acme", "new@acme.test")), "StartImport", 202).Str("id");
        var cancelled = Expect(await Send(Request("DELETE", key), r => imports.Cancel(r, "acme", "new@acme.test", id)), "CancelImport", 200);
        Assert.Equal("cancelled", cancelled.Str("status"));
        await DrainAsync(host); // its queue message finds the import ended and copies nothing
        Assert.Empty(await ReadAsync(host.Services, mailbox.MailboxId));
        var row = (await host.Services.GetRequiredService<MailStorage>().Table(StorageNames.ImportsTable).GetEntityAsync<TableEntity>(mailbox.MailboxId, "job|" + id)).Value;
        Assert.Null(row.GetString("Secret"));
        Expect(await Send(Request("GET", key), r => imports.Get(r, "acme", "new@acme.test", "0123456789abcdef0123456789abcdef")), "GetImport", 404);
    }

    [Fact]
    public async Task A_source_on_a_private_address_is_refused_unless_private_networks_are_allowed()
    {
        await using var host = await TargetAsync(allowPrivate: false);
        var (key, _) = await TenantAsync(host);
        var imports = host.Function<ImportsFunction>();
        foreach (var address in new[] { "127.0.0.1", "10.1.2.3", "169.254.169.254", "[::1]" })
        {
            var body = new { host = address, port = 993, security = "ssl", username = "u", password = "p" };
            var problem = Expect(await Send(Request("POST", key, body), r => imports.Start(r, "acme", "new@acme.test")), "StartImport", 400);
            Assert.Equal("host", problem.Body.GetProperty("errors")[0].GetProperty("field").GetString());
        }
        Assert.Empty((await host.Services.GetRequiredService<MailStorage>().Queue(StorageNames.MailboxImportQueue).PeekMessagesAsync(32)).Value);
    }

    /// <summary>
    /// Storage requests per imported message, and speed. By default from our own listener (300
    /// messages in 3 folders); with <c>IMPORT_BENCH_SOURCE=host:port:user:password</c> from that server
    /// instead (bench/README.md: the local Dovecot), whatever it holds.
    /// </summary>
    [Fact]
    public async Task An_import_costs_about_two_storage_requests_per_message()
    {
        object source;
        var bench = Environment.GetEnvironmentVariable("IMPORT_BENCH_SOURCE");
        if (string.IsNullOrEmpty(bench))
        {
            var src = _source.App.Services;
            foreach (var folder in new[] { "INBOX", "Archive", "Lists/dev" })
            {
                for (var i = 0; i < 100; i++)
                {
                    await PutAsync(src, _sourceBox.MailboxId, folder, Message($"{folder} {i}", new string('x', 1500)), Day(1 + i % 28), i % 2 == 0 ? ["\\Seen"] : []);
                }
            }
            source = Source();
        }
        else
        {
            var p = bench.Split(':', 4);
            source = new { host = p[0], port = int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture), security = "none", username = p[2], password = p[3] };
        }
        await using var host = await TargetAsync(batchSize: 200);
        var (key, _) = await TenantAsync(host);
        var meter = host.Services.GetRequiredService<StorageRequestMeter>();
        var before = meter.TotalRequests;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var id = Expect(await Send(Request("POST", key, source), r => host.Function<ImportsFunction>().Start(r, "acme", "new@acme.test")), "StartImport", 202).Str("id");
        var runs = await DrainAsync(host, limit: 10_000);
        clock.Stop();
        var requests = meter.TotalRequests - before;
        var status = Expect(await Send(Request("GET", key), r => host.Function<ImportsFunction>().Get(r, "acme", "new@acme.test", id)), "GetImport", 200);
        var copied = status.Body.GetProperty("messagesCopied").GetInt64();
        Assert.Equal("completed", status.Str("status"));
        Assert.Equal(status.Body.GetProperty("messagesTotal").GetInt64(), copied);
        Assert.True(copied >= 300, $"{copied} messages copied");
        var perMessage = requests / (double)copied;
        output.WriteLine($"FIGURES import from {(bench is null ? "our IMAP listener on loopback" : "IMPORT_BENCH_SOURCE")}: {copied} messages, "
            + $"{status.Body.GetProperty("bytes").GetInt64() / 1024} KiB, {status.Body.GetProperty("foldersTotal").GetInt32()} folders, {runs} runs, "
            + $"{clock.Elapsed.TotalSeconds:F1} s ({copied / clock.Elapsed.TotalSeconds:F0} messages/s), {requests} storage requests ({perMessage:F2} per message)");
        Assert.True(perMessage < 2.5, $"{perMessage:F2} storage requests per message");
    }
}
