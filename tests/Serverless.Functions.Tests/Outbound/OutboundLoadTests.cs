using System.Collections.Concurrent;
using System.Diagnostics;
using MimeKit;
using Serverless.Mail.Storage;
using Serverless.Testing.Outbound;
using Xunit;
using Xunit.Abstractions;

namespace Serverless.Functions.Tests.Outbound;

/// <summary>
/// The load run: N messages (OUTBOUND_LOAD_MESSAGES, default 100; the documented run uses 1,000)
/// submitted over SMTP to the local stack — the dev host's submission listener, which queues them,
/// and the outbound relay function it polls with host.json's settings — and delivered to a
/// receiving SMTP server on loopback. Every message must arrive exactly once. Prints throughput
/// and the storage requests per message (from <see cref="StorageRequestMeter"/>), submission and
/// relay together.
/// </summary>
public sealed class OutboundLoadTests(ITestOutputHelper output)
{
    private const int Connections = 8;

    [Fact]
    public async Task Submitted_messages_are_each_delivered_exactly_once_through_the_local_stack()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("OUTBOUND_LOAD_MESSAGES"), out var n) && n > 0 ? n : 100;
        await using var stack = await LocalStack.StartAsync(new Dictionary<string, string?>
        {
            ["Mail:Outbound:RateLimit:PerMailboxPerHour"] = "0",
            ["Mail:Outbound:RateLimit:PerTenantPerHour"] = "0",
        });
        var domains = new[] { "one.test", "two.test", "three.test", "four.test" };
        foreach (var d in domains)
        {
            stack.Dns.AddMx(d, 10, "mx." + d);
            stack.Dns.AddA("mx." + d, "127.0.0.50");
        }
        await using var receiver = TestSmtpServer.Start("127.0.0.50", stack.SmtpPort);

        var meter = stack.Get<StorageRequestMeter>();
        var before = meter.Snapshot();
        var beforeTotal = meter.TotalRequests;
        var ids = new ConcurrentBag<string>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, Connections), async (c, ct) =>
        {
            using var client = await stack.SubmitterAsync();
            for (var i = c; i < count; i += Connections)
            {
                var message = new MimeMessage();
                message.From.Add(MailboxAddress.Parse("alice@sender.test"));
                message.To.Add(MailboxAddress.Parse($"user{i}@{domains[i % domains.Length]}"));
                message.Subject = $"load {i}";
                message.MessageId = $"load-{i:D5}-{Guid.NewGuid():N}@sender.test";
                message.Body = new TextPart("plain") { Text = $"Message {i}\r\n" };
                await client.SendAsync(message, ct);
                ids.Add(message.MessageId);
            }
            await client.DisconnectAsync(true, ct);
        });
        var submitted = clock.Elapsed;
        await receiver.WaitForMessagesAsync(count, TimeSpan.FromSeconds(60 + count * 0.5));
        var delivered = clock.Elapsed;

        // Let every relay invocation finish (its queue message deleted), then look for duplicates.
        var outbound = stack.Get<MailStorage>().Outbound;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await outbound.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        await Task.Delay(500);
        var after = meter.Snapshot();
        var requests = meter.TotalRequests - beforeTotal;

        var received = receiver.Messages;
        var messageIds = received.Select(m => MimeMessage.Load(new MemoryStream(m.Data)).MessageId ?? "").ToList();
        Assert.Equal(count, received.Count);
        Assert.Equal(count, messageIds.Distinct().Count());
        Assert.True(ids.ToHashSet().SetEquals(messageIds));

        output.WriteLine($"{count} messages over {Connections} submission connections: submitted in {submitted.TotalSeconds:0.0} s, " +
            $"all delivered exactly once after {delivered.TotalSeconds:0.0} s: {count / delivered.TotalSeconds:0.0} messages/s end to end");
        output.WriteLine($"storage requests, submission + relay: {requests} = {(double)requests / count:0.00} per message");
        foreach (var ((service, op), value) in after.OrderBy(k => k.Key.Service).ThenBy(k => k.Key.Operation))
        {
            var delta = value - before.GetValueOrDefault((service, op));
            if (delta > 0)
            {
                output.WriteLine($"  {service,-6} {op,-16} {delta,7} ({(double)delta / count:0.00}/message)");
            }
        }
    }
}
