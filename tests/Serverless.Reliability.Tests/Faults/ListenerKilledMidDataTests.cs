using System.Globalization;
using System.Text;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Accounts;
using Serverless.Mail.Storage;
using Serverless.Reliability.Tests.Infrastructure;
using Serverless.Testing;
using Serverless.Testing.Outbound;
using Xunit;

namespace Serverless.Reliability.Tests.Faults;

/// <summary>
/// The listener process is killed (SIGKILL) in the middle of taking a message: while the client is
/// still sending DATA, and at each storage step after the final dot. Whatever the moment, the client
/// never saw 250, no message is visible anywhere (no committed blob of it, no hand-off, nothing in
/// the mailbox) — so the client's retry is the only copy — and a fresh listener takes the retry.
/// </summary>
public sealed class ListenerKilledMidDataTests : IAsyncLifetime
{
    private readonly TestDnsServer _dns = new();
    private readonly string _prefix = TestStorage.NewPrefix();
    private ServiceProvider _services = null!;
    private StorageTap _tap = null!;

    public async Task InitializeAsync()
    {
        _services = await TestStorage.CreateServicesAsync(_prefix);
        var directory = _services.GetRequiredService<MailDirectory>();
        await directory.CreateTenantAsync("acme", "Acme");
        await directory.AddDomainAsync("acme", "acme.test", null);
        await directory.CreateMailboxAsync("acme", MailAddress.Parse("alice@acme.test"), MailStack.Password, "Alice", 0);
        _tap = StorageTap.Start(await TestStorage.ConnectionStringAsync());
    }

    public async Task DisposeAsync()
    {
        await _tap.DisposeAsync();
        await _services.DisposeAsync();
        _dns.Dispose();
    }

    private MailStorage Storage => _services.GetRequiredService<MailStorage>();

    [Fact]
    public async Task Killed_while_the_client_streams_a_large_DATA_leaves_no_message_and_no_250_then_a_new_listener_takes_the_retry()
    {
        var (listener, port) = await StartListenerAsync();
        await using (listener)
        {
            await using var wire = await OpenTransactionAsync(port);
            // Past ~1 MiB the listener streams into the spool blob: wait until a block of it is staged
            // in storage (its response held), then kill the process mid-message.
            var staged = _tap.Arm("BlobEndpoint", "comp=block", TrapMode.HoldResponse);
            var line = new string('x', 998) + "\r\n";
            var sending = Task.Run(async () =>
            {
                await wire.SendAsync("Subject: big\r\n\r\n");
                try
                {
                    for (var i = 0; i < 3000 && !staged.IsCompleted; i++)
                    {
                        await wire.SendAsync(line);
                    }
                }
                catch (IOException)
                {
                    // the listener died under us
                }
            });
            await staged.WaitAsync(TimeSpan.FromSeconds(60));
            await listener.KillAsync();
            await sending;
            Assert.Null(await wire.SmtpReplyAsync()); // the connection died: no 250, no reply at all
        }

        await AssertNothingStoredAsync();
        // The staged block is invisible: no blob exists until a block list is committed (storage drops uncommitted blocks after a week).
        var uncommitted = new List<string>();
        await foreach (var b in Storage.Messages.GetBlobsAsync(new GetBlobsOptions { States = BlobStates.Uncommitted }))
        {
            uncommitted.Add(b.Name);
        }
        Assert.Single(uncommitted);

        // The client retries against a fresh listener: one hand-off for one complete blob.
        var (again, port2) = await StartListenerAsync();
        await using (again)
        {
            await using var wire = await OpenTransactionAsync(port2);
            await wire.SendAsync("Subject: big\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('x', 998) + "\r\n", 1500)) + ".\r\n");
            Assert.Equal(250, (await wire.SmtpReplyAsync())?.Code);
        }
        Assert.Equal(1, await QueuedAsync());
        Assert.Single(await CommittedBlobsAsync());
    }

    [Theory]
    [InlineData("blob put", "BlobEndpoint", "-messages/", 40 * 1024)] // over Mail:Queues:InlineHandoffBytes: stored as a blob first
    [InlineData("hand-off put", "QueueEndpoint", "-inbound/messages", 40 * 1024)]
    [InlineData("hand-off put carrying the message", "QueueEndpoint", "-inbound/messages", 0)] // small: no blob, the queue put is the durable step
    public async Task Killed_after_the_final_dot_at_a_storage_step_the_client_sees_no_250_and_nothing_is_queued(string step, string endpoint, string path, int padding)
    {
        var (listener, port) = await StartListenerAsync();
        await using (listener)
        {
            await using var wire = await OpenTransactionAsync(port);
            var caught = _tap.Arm(endpoint, _prefix + path, TrapMode.HoldRequest);
            await wire.SendAsync("Subject: small\r\n\r\nbody\r\n" + string.Concat(Enumerable.Repeat(new string('x', 98) + "\r\n", padding / 100)) + ".\r\n");
            await caught.WaitAsync(TimeSpan.FromSeconds(30));
            await listener.KillAsync();
            Assert.True(await wire.SmtpReplyAsync() is null, $"killed at the {step}: the client must see no reply");
        }
        Assert.Equal(0, await QueuedAsync());
        Assert.Empty(await Storage.MailIndex.QueryAsync<Azure.Data.Tables.TableEntity>(e => e.RowKey.CompareTo("m|") >= 0 && e.RowKey.CompareTo("m}") < 0).ToListAsync());
        // Killed at the blob put: no blob. Killed at the queue put of a blob-stored message: the blob was stored but nothing
        // refers to it — a complete orphan no one can see (the client's retry stores its own copy); docs/reliability.md notes it.
        // A message carried in its hand-off has no blob to leave behind.
        Assert.Equal(step == "hand-off put" ? 1 : 0, (await CommittedBlobsAsync()).Count);
    }

    private async Task AssertNothingStoredAsync()
    {
        Assert.Empty(await CommittedBlobsAsync());
        Assert.Equal(0, await QueuedAsync());
        Assert.Empty(await Storage.MailIndex.QueryAsync<Azure.Data.Tables.TableEntity>(e => e.RowKey.CompareTo("m|") >= 0 && e.RowKey.CompareTo("m}") < 0).ToListAsync());
    }

    private async Task<List<string>> CommittedBlobsAsync()
    {
        var names = new List<string>();
        await foreach (var b in Storage.Messages.GetBlobsAsync())
        {
            names.Add(b.Name);
        }
        return names;
    }

    private async Task<int> QueuedAsync() => (await Storage.Inbound.PeekMessagesAsync(32)).Value.Length;

    private async Task<(ChildHost Host, int Port)> StartListenerAsync()
    {
        var smtp = AzuriteProcess.FreePort();
        var settings = new Dictionary<string, string?>
        {
            ["Mail:Storage:ConnectionString"] = _tap.ConnectionString,
            ["Mail:Storage:Prefix"] = _prefix,
            ["Mail:Security:Pbkdf2Iterations"] = TestStorage.TestPbkdf2Iterations.ToString(CultureInfo.InvariantCulture),
            ["Mail:Listeners:HostName"] = "mx.reliability.test",
            ["Mail:Listeners:Ports:Smtp"] = smtp.ToString(CultureInfo.InvariantCulture),
            ["Mail:Dns:Servers"] = _dns.Setting,
            ["Mail:Tls:DevelopmentCertificatePath"] = Path.Combine(Path.GetTempPath(), "serverless-mail-test-cert.pfx"),
        };
        foreach (var other in new[] { "Submission", "Submissions", "Imap", "Imaps", "Pop3", "Pop3s", "ManageSieve", "Health" })
        {
            settings[$"Mail:Listeners:Ports:{other}"] = "0";
        }
        var host = ChildHost.Start("Serverless.Listeners.dll", settings);
        await host.WaitForPortAsync(smtp);
        return (host, smtp);
    }

    private static async Task<Wire> OpenTransactionAsync(int port)
    {
        var wire = await Wire.ConnectAsync(port);
        Assert.Equal(220, (await wire.SmtpReplyAsync())?.Code);
        Assert.Equal(250, (await wire.SmtpAsync("EHLO client.reliability.test"))?.Code);
        Assert.Equal(250, (await wire.SmtpAsync("MAIL FROM:<sender@client.reliability.test>"))?.Code);
        Assert.Equal(250, (await wire.SmtpAsync("RCPT TO:<alice@acme.test>"))?.Code);
        Assert.Equal(354, (await wire.SmtpAsync("DATA"))?.Code);
        return wire;
    }
}
