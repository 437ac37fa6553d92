using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Http;
using Serverless.Functions.Queues;
using Serverless.Mail.Queues;
using Serverless.Mail.Storage;
using Serverless.Mail.Usage;
using Serverless.Testing.Outbound;
using Xunit;
using static Serverless.Functions.Tests.Provisioning.ApiTestHost;

namespace Serverless.Functions.Tests.Provisioning;

/// <summary>Issue 21: usage and cost per tenant, from the meters through the usage table to the API.</summary>
public sealed class UsageApiTests
{
    [Fact]
    public async Task A_tenants_mail_shows_up_in_its_usage_with_transactions_by_kind_stored_bytes_and_a_cost_estimate()
    {
        var (host, dns, port) = await Outbound.OutboundFunctionTests.StartAsync();
        await using var _ = host;
        using var __ = dns;
        var tenants = host.Function<TenantsFunction>();
        var acme = Expect(await Send(Request("POST", AdminKey, new { id = "acme" }), tenants.Create), "CreateTenant", 201).Str("apiKey");
        var other = Expect(await Send(Request("POST", AdminKey, new { id = "other" }), tenants.Create), "CreateTenant", 201).Str("apiKey");
        Expect(await Send(Request("POST", AdminKey, new { name = "acme.test" }), r => host.Function<DomainsFunction>().Create(r, "acme")), "CreateDomain", 201);
        Expect(await Send(Request("POST", acme, new { address = "alice@acme.test", password = "a long enough password" }),
            r => host.Function<MailboxesFunction>().Create(r, "acme")), "CreateMailbox", 201);
        dns.AddMx("remote.test", 10, "mx.remote.test");
        dns.AddA("mx.remote.test", "127.0.0.74");
        await using var receiver = TestSmtpServer.Start("127.0.0.74", port);

        // One message out to the internet and, through the relay's local hand-off, one in to alice.
        var message = await Outbound.OutboundFunctionTests.QueueAsync(host, "acme", "sales@acme.test", "buyer@remote.test", "Offer");
        message = message with { Recipients = [.. message.Recipients, new HandoffRecipient { Address = "alice@acme.test" }] };
        await host.Function<OutboundRelayFunction>().Run(Outbound.OutboundFunctionTests.JsonText(message), CancellationToken.None);
        Assert.Single(receiver.Messages);
        var inbound = host.Services.GetRequiredService<MailStorage>().Inbound;
        var handoff = Assert.Single((await inbound.ReceiveMessagesAsync(32)).Value);
        await host.Function<InboundIngestFunction>().Run(handoff.Body.ToString(), CancellationToken.None);

        var recorder = host.Services.GetRequiredService<UsageRecorder>();
        Assert.Equal(1, await recorder.FlushAsync()); // only acme caused anything
        Assert.Equal(0, await recorder.FlushAsync()); // nothing new: nothing counted twice
        await host.Services.GetRequiredService<UsageSampler>().SampleAsync();

        var usage = host.Function<UsageFunction>();
        var hourly = Expect(await Send(Request("GET", acme), r => usage.Tenant(r, "acme")), "GetTenantUsage", 200);
        var total = hourly.Body.GetProperty("total");
        Assert.Equal(1, total.GetProperty("messagesIn").GetInt64());
        Assert.Equal(1, total.GetProperty("messagesOut").GetInt64());
        Assert.True(total.GetProperty("bytesOut").GetInt64() > 0);
        Assert.True(total.GetProperty("storedBytes").GetInt64() > 0);
        Assert.Equal(1, total.GetProperty("mailboxes").GetInt64());
        var tx = total.GetProperty("transactions");
        Assert.True(tx.GetProperty("table").GetInt64() > 0);
        Assert.True(tx.GetProperty("blobWrite").GetInt64() > 0); // the local copy
        Assert.True(tx.GetProperty("blobRead").GetInt64() > 0);
        Assert.True(total.GetProperty("cost").GetProperty("total").GetDecimal() > 0);
        Assert.Equal("hour", hourly.Str("granularity"));
        Assert.False(string.IsNullOrEmpty(hourly.Body.GetProperty("prices").GetProperty("asOf").GetString()));

        var daily = Expect(await Send(Request("GET", AdminKey, query: "?granularity=day"), r => usage.Tenant(r, "acme")), "GetTenantUsage", 200);
        Assert.Equal(1, Assert.Single(daily.Body.GetProperty("items").EnumerateArray()).GetProperty("messagesOut").GetInt64());
        var quiet = Expect(await Send(Request("GET", other), r => usage.Tenant(r, "other")), "GetTenantUsage", 200);
        Assert.Equal(0, quiet.Body.GetProperty("total").GetProperty("messagesIn").GetInt64());

        // The admin's overview has every tenant with usage; tenant keys do not reach it nor other tenants.
        var all = Expect(await Send(Request("GET", AdminKey), usage.All), "GetUsage", 200);
        Assert.Contains(all.Body.GetProperty("items").EnumerateArray(), i => i.GetProperty("tenant").GetString() == "acme");
        Expect(await Send(Request("GET", acme), usage.All), "GetUsage", 403);
        Expect(await Send(Request("GET", other), r => usage.Tenant(r, "acme")), "GetTenantUsage", 404);
    }

    [Theory]
    [InlineData("?granularity=week", "granularity")]
    [InlineData("?from=yesterday", "from")]
    [InlineData("?from=2026-12-02&to=2026-12-01", "from")]
    [InlineData("?from=2026-01-01&to=2026-12-01", "from")] // over 31 days by hour
    public async Task A_bad_range_or_granularity_is_a_400_naming_the_parameter(string query, string field)
    {
        await using var host = await StartAsync();
        Expect(await Send(Request("POST", AdminKey, new { id = "acme" }), host.Function<TenantsFunction>().Create), "CreateTenant", 201);
        var problem = Expect(await Send(Request("GET", AdminKey, query: query), r => host.Function<UsageFunction>().Tenant(r, "acme")), "GetTenantUsage", 400);
        Assert.Equal(field, problem.Body.GetProperty("errors")[0].GetProperty("field").GetString());
    }
}
