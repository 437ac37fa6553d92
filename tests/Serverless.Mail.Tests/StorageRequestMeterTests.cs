using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Messages;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Xunit;

namespace Serverless.Mail.Tests;

/// <summary>The meter's breakdown by resource and tenant, on real Azurite requests.</summary>
public sealed class StorageRequestMeterTests
{
    [Fact]
    public async Task Requests_are_counted_by_resource_and_by_the_tenant_named_later_in_the_same_flow()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var storage = sp.GetRequiredService<MailStorage>();
        var meter = sp.GetRequiredService<StorageRequestMeter>();
        var store = sp.GetRequiredService<MessageStore>();
        var container = storage.Messages.Name;
        var queue = storage.Inbound.Name;
        var before = meter.DetailedSnapshot(); // creating the containers, tables and queues

        await PutAsync(store);
        using (StorageRequestMeter.BeginAttribution())
        {
            await PutAsync(store); // before the tenant is known
            await NameTenantAsync("acme"); // a callee names it (as a login does) ...
            await PutAsync(store); // ... and the caller's later requests carry it
            await storage.Inbound.SendMessageAsync("x");
        }
        await storage.Inbound.SendMessageAsync("y");

        var detailed = meter.DetailedSnapshot().ToDictionary(kv => kv.Key, kv => new StorageRequestTotals(
            kv.Value.Requests - before.GetValueOrDefault(kv.Key).Requests, kv.Value.Bytes - before.GetValueOrDefault(kv.Key).Bytes));
        // Each client names its service, whatever ports the emulator runs on.
        Assert.DoesNotContain(detailed.Keys, k => k.Service == "other");
        Assert.Equal(2, detailed[new StorageRequestKey("blob", "PUT", container, null)].Requests);
        var tenantPut = detailed[new StorageRequestKey("blob", "PUT", container, "acme")];
        Assert.Equal(1, tenantPut.Requests);
        Assert.True(tenantPut.Bytes >= 5);
        Assert.Equal(1, detailed[new StorageRequestKey("queue", "POSTMessage", queue, "acme")].Requests);
        Assert.Equal(1, detailed[new StorageRequestKey("queue", "POSTMessage", queue, null)].Requests);
        Assert.Null(StorageRequestMeter.CurrentTenant);
        Assert.Equal(5, detailed.Values.Sum(t => t.Requests)); // three blob puts, two queue sends
        // The coarse snapshot adds up to the same requests.
        Assert.Equal(meter.TotalRequests, meter.DetailedSnapshot().Values.Sum(t => t.Requests));
        Assert.Equal(meter.TotalRequests, meter.Snapshot().Values.Sum());
    }

    [Fact]
    public async Task Setting_a_tenant_outside_an_attributed_flow_changes_nothing()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var meter = sp.GetRequiredService<StorageRequestMeter>();
        StorageRequestMeter.SetTenant("nobody");
        await PutAsync(sp.GetRequiredService<MessageStore>());
        Assert.DoesNotContain(meter.DetailedSnapshot().Keys, k => k.Tenant is not null);
    }

    [Fact]
    public async Task The_ingest_attributes_its_requests_to_the_tenant_of_the_hand_off()
    {
        await using var f = await Delivery.IngestFixture.StartAsync();
        var handoff = await f.HandoffAsync(Delivery.IngestFixture.Message("metered"), [Delivery.IngestFixture.To(f.User) with { TenantId = "acme" }]);
        var before = f.Meter.DetailedSnapshot();
        await f.Ingest.IngestAsync(handoff);
        var moved = f.Meter.DetailedSnapshot().Where(kv => kv.Value.Requests > before.GetValueOrDefault(kv.Key).Requests).Select(kv => kv.Key).ToList();
        Assert.NotEmpty(moved);
        Assert.All(moved, k => Assert.Equal("acme", k.Tenant));
        Assert.Contains(moved, k => k.Service == "table" && k.Operation == "Batch");
    }

    private static async Task NameTenantAsync(string tenant)
    {
        await Task.Yield();
        StorageRequestMeter.SetTenant(tenant);
    }

    private static async Task PutAsync(MessageStore store)
    {
        await using var writer = store.CreateWriter(MessageStore.NewBlobName(DateTimeOffset.UtcNow));
        await writer.WriteAsync("hello"u8.ToArray());
        await writer.CommitAsync();
    }
}
