using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.DevHost;
using Serverless.Mail.Accounts;
using Serverless.Mail.Messages;
using Serverless.Mail.Outbound;
using Serverless.Mail.Queues;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Serverless.Testing.Outbound;
using Xunit;
using Xunit.Abstractions;

namespace Serverless.Functions.Tests.Outbound;

/// <summary>
/// The load run: N messages (OUTBOUND_LOAD_MESSAGES, default 100; the documented run uses 1,000)
/// queued for the relay in the local stack — the dev host polling the outbound queue with
/// host.json's settings and running <c>OutboundRelayFunction</c> — to a receiving SMTP server on
/// loopback. Every message must arrive exactly once. Prints throughput and storage transactions
/// per delivered message (from <see cref="StorageRequestMeter"/>).
/// </summary>
public sealed class OutboundLoadTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Queued_messages_are_each_delivered_exactly_once_through_the_dev_host()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("OUTBOUND_LOAD_MESSAGES"), out var n) && n > 0 ? n : 100;
        using var dns = new TestDnsServer();
        var smtpPort = AzuriteProcess.FreePort();
        var domains = new[] { "one.test", "two.test", "three.test", "four.test" };
        foreach (var d in domains)
        {
            dns.AddMx(d, 10, "mx." + d);
            dns.AddA("mx." + d, "127.0.0.50");
        }
        await using var receiver = TestSmtpServer.Start("127.0.0.50", smtpPort);

        var settings = await TestStorage.SettingsAsync();
        settings["Mail:Api:Port"] = AzuriteProcess.FreePort().ToString(CultureInfo.InvariantCulture);
        foreach (var name in new[] { "Smtp", "Submission", "Submissions", "Imap", "Imaps", "Pop3", "Pop3s" })
        {
            settings[$"Mail:Listeners:Ports:{name}"] = AzuriteProcess.FreePort().ToString(CultureInfo.InvariantCulture);
        }
        settings["Mail:Tls:DevelopmentCertificatePath"] = Path.Combine(Path.GetTempPath(), "serverless-mail-test-cert.pfx");
        settings["Mail:Dns:Servers"] = dns.Setting;
        settings["Mail:Outbound:SmtpPort"] = smtpPort.ToString(CultureInfo.InvariantCulture);
        settings["Mail:Outbound:HeloName"] = "relay.test";
        settings["Mail:Outbound:RateLimit:PerMailboxPerHour"] = "0";
        settings["Mail:Outbound:RateLimit:PerTenantPerHour"] = "0";
        settings["Mail:DevHost:RunTimers"] = "false";
        await using var app = DevHostApp.Build([], b =>
        {
            b.Configuration.AddInMemoryCollection(settings);
            b.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await app.Services.GetRequiredService<MailStorage>().EnsureCreatedAsync();
        var directory = app.Services.GetRequiredService<MailDirectory>();
        await directory.CreateTenantAsync("load", "Load");
        await directory.AddDomainAsync("load", "sender.test", null);
        await directory.CreateMailboxAsync("load", MailAddress.Parse("alice@sender.test"), "correct horse battery", null, 0);

        // Queue everything first (as bursts of submissions would), then let the relay drain it.
        var store = app.Services.GetRequiredService<MessageStore>();
        var queues = app.Services.GetRequiredService<MailQueues>();
        var ids = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var to = $"user{i}@{domains[i % domains.Length]}";
            var id = $"load-{i:D5}-{Guid.NewGuid():N}";
            var raw = $"From: <alice@sender.test>\r\nTo: <{to}>\r\nSubject: load {i}\r\nMessage-ID: <{id}@sender.test>\r\nDate: Fri, 27 Nov 2026 10:00:00 +0000\r\n\r\nMessage {i}\r\n";
            var blob = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
            await using (var w = store.CreateWriter(blob))
            {
                await w.WriteAsync(Encoding.ASCII.GetBytes(raw), ct);
                await w.CommitAsync(cancellationToken: ct);
            }
            await queues.SendOutboundAsync(new OutboundRelayMessage
            {
                Id = id,
                BlobName = blob,
                Size = raw.Length,
                MailFrom = "alice@sender.test",
                Recipients = [new HandoffRecipient { Address = to }],
                TenantId = "load",
                AuthenticatedAs = "alice@sender.test",
                SubmittedAt = DateTimeOffset.UtcNow,
            }, cancellationToken: ct);
            ids.Add(id);
        });

        var meter = app.Services.GetRequiredService<StorageRequestMeter>();
        var before = meter.Snapshot();
        var beforeTotal = meter.TotalRequests;
        var clock = Stopwatch.StartNew();
        await app.StartAsync();
        try
        {
            await receiver.WaitForMessagesAsync(count, TimeSpan.FromSeconds(60 + count * 0.5));
            var elapsed = clock.Elapsed;
            // Wait until every relay invocation has finished (its queue message deleted), then look for duplicates.
            var outbound = app.Services.GetRequiredService<MailStorage>().Outbound;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((await outbound.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
            await Task.Delay(500);
            var after = meter.Snapshot();
            var requests = meter.TotalRequests - beforeTotal;

            var received = receiver.Messages;
            var messageIds = received.Select(m => MimeKit.MimeMessage.Load(new MemoryStream(m.Data)).MessageId ?? "").ToList();
            Assert.Equal(count, received.Count);
            Assert.Equal(count, messageIds.Distinct().Count());
            Assert.True(ids.Select(i => i + "@sender.test").ToHashSet().SetEquals(messageIds));

            output.WriteLine($"{count} messages delivered exactly once in {elapsed.TotalSeconds:0.0} s: {count / elapsed.TotalSeconds:0.0} messages/s");
            output.WriteLine($"storage requests during delivery: {requests} = {(double)requests / count:0.00} per message");
            foreach (var ((service, op), value) in after.OrderBy(k => k.Key.Service).ThenBy(k => k.Key.Operation))
            {
                var delta = value - before.GetValueOrDefault((service, op));
                if (delta > 0)
                {
                    output.WriteLine($"  {service,-6} {op,-16} {delta,7} ({(double)delta / count:0.00}/message)");
                }
            }
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
