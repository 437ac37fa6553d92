using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Http;
using Serverless.Functions.Queues;
using Serverless.Mail.Messages;
using Serverless.Mail.Outbound;
using Serverless.Mail.Queues;
using Serverless.Mail.Storage;
using Serverless.Testing.Outbound;
using Xunit;
using static Serverless.Functions.Tests.Outbound.OutboundFunctionTests;
using static Serverless.Functions.Tests.Provisioning.ApiTestHost;

namespace Serverless.Functions.Tests.Outbound;

/// <summary>
/// Retry, hold, release and cancel (issue 21) on a message the relay deferred: the first attempt
/// is greylisted and the next one is an hour away, so whatever is delivered came from the control.
/// </summary>
public sealed class OutboundControlTests
{
    private sealed record Setup(Provisioning.ApiTestHost Host, TestDnsServer Dns, TestSmtpServer Receiver, string TenantKey, string OtherKey) : IAsyncDisposable
    {
        public bool Accepting { get; set; }

        public OutboundFunction Api => Host.Function<OutboundFunction>();

        public async ValueTask DisposeAsync()
        {
            await Receiver.DisposeAsync();
            Dns.Dispose();
            await Host.DisposeAsync();
        }
    }

    private static async Task<Setup> StartAsync(string address)
    {
        var (host, dns, port) = await OutboundFunctionTests.StartAsync(firstRetryDelay: "01:00:00");
        var tenants = host.Function<TenantsFunction>();
        var acme = Expect(await Send(Request("POST", AdminKey, new { id = "acme" }), tenants.Create), "CreateTenant", 201).Str("apiKey");
        var other = Expect(await Send(Request("POST", AdminKey, new { id = "other" }), tenants.Create), "CreateTenant", 201).Str("apiKey");
        Expect(await Send(Request("POST", AdminKey, new { name = "acme.test" }), r => host.Function<DomainsFunction>().Create(r, "acme")), "CreateDomain", 201);
        dns.AddMx("remote.test", 10, "mx.remote.test");
        dns.AddA("mx.remote.test", address);
        Setup? setup = null;
        var receiver = TestSmtpServer.Start(address, port, s => s.RcptReply = _ => setup!.Accepting ? null : "451 4.2.1 Greylisted, come back later");
        setup = new Setup(host, dns, receiver, acme, other);
        return setup;
    }

    /// <summary>Queues a message and runs its first attempt, which is deferred by an hour.</summary>
    private static async Task<OutboundRelayMessage> DeferredAsync(Setup s, string from = "sales@acme.test")
    {
        var message = await QueueAsync(s.Host, "acme", from, "buyer@remote.test", "Offer");
        await s.Host.Function<OutboundRelayFunction>().Run(JsonText(message), CancellationToken.None);
        Assert.Empty(s.Receiver.Messages);
        return message;
    }

    /// <summary>Runs every outbound queue message that is visible now through the relay; returns their generations.</summary>
    private static async Task<List<OutboundRelayMessage>> RunVisibleAsync(Setup s)
    {
        var queue = s.Host.Services.GetRequiredService<MailStorage>().Outbound;
        var ran = new List<OutboundRelayMessage>();
        while ((await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value is { Length: > 0 } batch)
        {
            foreach (var m in batch)
            {
                ran.Add(System.Text.Json.JsonSerializer.Deserialize<OutboundRelayMessage>(m.Body.ToString(), MailQueues.Json)!);
                await s.Host.Function<OutboundRelayFunction>().Run(m.Body.ToString(), CancellationToken.None);
                await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt);
            }
        }
        return ran;
    }

    [Fact]
    public async Task Retry_now_delivers_a_deferred_message_at_once_and_the_copy_still_waiting_delivers_nothing_more()
    {
        await using var s = await StartAsync("127.0.0.65");
        var message = await DeferredAsync(s);
        s.Accepting = true;

        var retried = Expect(await Send(Request("POST", s.TenantKey), r => s.Api.Retry(r, "acme", message.Id)), "RetryOutbound", 202);
        Assert.Equal(2, retried.Body.GetProperty("attempt").GetInt32());
        var ran = await RunVisibleAsync(s);
        Assert.Equal(2, Assert.Single(ran).Attempt); // the deferred copy stays invisible for its hour
        Assert.Single(s.Receiver.Messages);

        // The copy the first attempt queued comes up later: it is an older generation and is dropped.
        await s.Host.Function<OutboundRelayFunction>().Run(JsonText(message with { Attempt = 1 }), CancellationToken.None);
        Assert.Single(s.Receiver.Messages);
        var page = Expect(await Send(Request("GET", s.TenantKey, query: "?all=true"), r => s.Api.List(r, "acme")), "ListOutbound", 200);
        var item = Assert.Single(page.Body.GetProperty("items").EnumerateArray());
        Assert.True(item.GetProperty("done").GetBoolean());
        Assert.Equal("delivered", item.GetProperty("recipients")[0].GetProperty("state").GetString());
        // Finished: nothing left to retry.
        Expect(await Send(Request("POST", AdminKey), r => s.Api.Retry(r, "acme", message.Id)), "RetryOutbound", 409);
    }

    [Fact]
    public async Task Retry_is_refused_while_an_attempt_holds_the_lease_so_two_deliveries_never_run_at_once()
    {
        await using var s = await StartAsync("127.0.0.66");
        var message = await DeferredAsync(s);
        // An attempt starts (its claim takes the lease) ...
        var state = s.Host.Services.GetRequiredService<OutboundState>();
        var (outcome, _) = await state.ClaimAsync(message with { Attempt = 1 }, DateTimeOffset.UtcNow, OutboundRelay.Lease);
        Assert.Equal(ClaimOutcome.Claimed, outcome);
        // ... so a retry now is refused and queues nothing.
        Expect(await Send(Request("POST", s.TenantKey), r => s.Api.Retry(r, "acme", message.Id)), "RetryOutbound", 409);
        Assert.Empty(await RunVisibleAsync(s));
        // Unknown ids are 404, other tenants' keys too (the tenant's existence does not leak).
        Expect(await Send(Request("POST", s.TenantKey), r => s.Api.Retry(r, "acme", "no-such-message")), "RetryOutbound", 404);
        Expect(await Send(Request("POST", s.OtherKey), r => s.Api.Retry(r, "acme", message.Id)), "RetryOutbound", 404);
    }

    [Fact]
    public async Task A_held_message_is_not_tried_when_its_copy_comes_up_and_a_release_tries_it_once()
    {
        await using var s = await StartAsync("127.0.0.67");
        var message = await DeferredAsync(s);
        s.Accepting = true;

        // The admin key works on any tenant's queue.
        var held = Expect(await Send(Request("POST", AdminKey), r => s.Api.Hold(r, "acme", message.Id)), "HoldOutbound", 200);
        Assert.True(held.Body.GetProperty("held").GetBoolean());
        Expect(await Send(Request("POST", s.TenantKey), r => s.Api.Hold(r, "acme", message.Id)), "HoldOutbound", 200); // again: no change
        Expect(await Send(Request("POST", s.TenantKey), r => s.Api.Retry(r, "acme", message.Id)), "RetryOutbound", 409);

        // The waiting copy comes up: dropped, nothing sent, still queued in the listing.
        await s.Host.Function<OutboundRelayFunction>().Run(JsonText(message with { Attempt = 1 }), CancellationToken.None);
        Assert.Empty(s.Receiver.Messages);
        var page = Expect(await Send(Request("GET", s.TenantKey), r => s.Api.List(r, "acme")), "ListOutbound", 200);
        var item = Assert.Single(page.Body.GetProperty("items").EnumerateArray());
        Assert.True(item.GetProperty("held").GetBoolean());
        Assert.Equal(JsonValueKindNull, item.GetProperty("nextAttemptAt").ValueKind);

        var released = Expect(await Send(Request("POST", s.TenantKey), r => s.Api.Release(r, "acme", message.Id)), "ReleaseOutbound", 202);
        Assert.False(released.Body.GetProperty("held").GetBoolean());
        Expect(await Send(Request("POST", s.TenantKey), r => s.Api.Release(r, "acme", message.Id)), "ReleaseOutbound", 409); // not held any more
        Assert.Single(await RunVisibleAsync(s));
        Assert.Single(s.Receiver.Messages);
    }

    [Fact]
    public async Task Cancel_stops_attempts_and_the_sender_gets_a_failure_report_saying_it_was_cancelled()
    {
        await using var s = await StartAsync("127.0.0.68");
        // A sender without a mailbox here: the report goes out through the outbound queue from the null sender.
        var message = await DeferredAsync(s, from: "someone@elsewhere.test");
        s.Accepting = true;

        var cancelled = Expect(await Send(Request("DELETE", s.TenantKey), r => s.Api.Cancel(r, "acme", message.Id)), "CancelOutbound", 202);
        Assert.True(cancelled.Body.GetProperty("cancelled").GetBoolean());
        Expect(await Send(Request("POST", s.TenantKey), r => s.Api.Hold(r, "acme", message.Id)), "HoldOutbound", 409);
        // Repeated (an answer lost on the way): harmless.
        Expect(await Send(Request("DELETE", AdminKey), r => s.Api.Cancel(r, "acme", message.Id)), "CancelOutbound", 202);

        var queue = s.Host.Services.GetRequiredService<MailStorage>().Outbound;
        var report = await ReceiveReportAsync(s);
        Assert.Equal("", report.MailFrom);
        Assert.Equal("someone@elsewhere.test", Assert.Single(report.Recipients).Address);
        await using (var blob = await s.Host.Services.GetRequiredService<MessageStore>().OpenReadAsync(report.BlobName))
        {
            var text = await new StreamReader(blob).ReadToEndAsync();
            Assert.Contains("Status: 5.0.0", text, StringComparison.Ordinal);
            Assert.Contains("cancelled by the mail service's operator", text, StringComparison.Ordinal);
        }
        Assert.Empty(s.Receiver.Messages); // the recipient got nothing

        var page = Expect(await Send(Request("GET", s.TenantKey, query: "?all=true"), r => s.Api.List(r, "acme")), "ListOutbound", 200);
        var item = page.Body.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetString() == message.Id);
        Assert.True(item.GetProperty("done").GetBoolean());
        Assert.Equal("failed", item.GetProperty("recipients")[0].GetProperty("state").GetString());
        Expect(await Send(Request("DELETE", s.TenantKey), r => s.Api.Cancel(r, "acme", message.Id)), "CancelOutbound", 409); // finished
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    /// <summary>Runs the cancel copies through the relay and returns the DSN it queued (not sent on: the receiver must stay empty).</summary>
    private static async Task<OutboundRelayMessage> ReceiveReportAsync(Setup s)
    {
        var queue = s.Host.Services.GetRequiredService<MailStorage>().Outbound;
        OutboundRelayMessage? report = null;
        while ((await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value is { Length: > 0 } batch)
        {
            foreach (var m in batch)
            {
                var queued = System.Text.Json.JsonSerializer.Deserialize<OutboundRelayMessage>(m.Body.ToString(), MailQueues.Json)!;
                if (queued.Id.StartsWith("dsn.", StringComparison.Ordinal))
                {
                    report = queued;
                }
                else
                {
                    await s.Host.Function<OutboundRelayFunction>().Run(m.Body.ToString(), CancellationToken.None);
                }
                await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt);
            }
        }
        return report ?? throw new Xunit.Sdk.XunitException("No report was queued.");
    }
}
