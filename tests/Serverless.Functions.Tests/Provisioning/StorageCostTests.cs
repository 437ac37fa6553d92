using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Http;
using Serverless.Mail.Storage;
using Xunit;
using Xunit.Abstractions;
using static Serverless.Functions.Tests.Provisioning.ApiTestHost;

namespace Serverless.Functions.Tests.Provisioning;

/// <summary>Storage requests (billed transactions) per API call, counted by <see cref="StorageRequestMeter"/>.</summary>
public sealed class StorageCostTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Api_calls_cost_a_handful_of_storage_requests()
    {
        await using var host = await StartAsync();
        var meter = host.Services.GetRequiredService<StorageRequestMeter>();
        var tenants = host.Function<TenantsFunction>();
        var domains = host.Function<DomainsFunction>();
        var mailboxes = host.Function<MailboxesFunction>();
        var aliases = host.Function<AliasesFunction>();
        var key = "";

        async Task<long> Cost(string what, string function, int status, Func<Task<ApiResponseMessage>> call)
        {
            var before = meter.TotalRequests;
            var response = Expect(await call(), function, status);
            if (function == "CreateTenant")
            {
                key = response.Str("apiKey");
            }
            var cost = meter.TotalRequests - before;
            output.WriteLine($"{what}: {cost} storage requests");
            return cost;
        }

        Assert.True(await Cost("create tenant (admin)", "CreateTenant", 201, async () => await Send(Request("POST", AdminKey, new { id = "acme" }), tenants.Create)) <= 2);
        Assert.True(await Cost("create domain (tenant key)", "CreateDomain", 201, async () => await Send(Request("POST", key, new { name = "acme.test" }), r => domains.Create(r, "acme"))) <= 4);
        Assert.True(await Cost("get domain", "GetDomain", 200, async () => await Send(Request("GET", key), r => domains.Get(r, "acme", "acme.test"))) <= 2);
        Assert.True(await Cost("create mailbox", "CreateMailbox", 201, async () => await Send(Request("POST", key, new { address = "a@acme.test", password = "long enough password" }), r => mailboxes.Create(r, "acme"))) <= 5); // + the tenant row: its mailbox quota (issue 21)
        Assert.True(await Cost("get mailbox with usage", "GetMailbox", 200, async () => await Send(Request("GET", key), r => mailboxes.Get(r, "acme", "a@acme.test"))) <= 3);
        Assert.True(await Cost("list mailboxes", "ListMailboxes", 200, async () => await Send(Request("GET", key), r => mailboxes.List(r, "acme"))) <= 3);
        Assert.True(await Cost("create alias", "CreateAlias", 201, async () => await Send(Request("POST", key, new { address = "x@acme.test", targets = new List<string> { "a@acme.test" } }), r => aliases.Create(r, "acme"))) <= 5);
        Assert.True(await Cost("delete empty mailbox", "DeleteMailbox", 204, async () => await Send(Request("DELETE", key), r => mailboxes.Delete(r, "acme", "a@acme.test"))) <= 10); // + its imports and spam rows: one query each (issue 21)
        Assert.True(await Cost("wrong key", "GetTenant", 401, async () => await Send(Request("GET", "smk_0123456789abcdef_wrong"), r => tenants.Get(r, "acme"))) <= 1);
    }
}
