using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Http;
using Serverless.Mail.Spam;
using Xunit;
using static Serverless.Functions.Tests.Provisioning.ApiTestHost;

namespace Serverless.Functions.Tests.Provisioning;

/// <summary>/api/tenants/{t}/spam-settings: thresholds and lists round-trip, are checked strictly, stay inside the tenant and reach the store the MX reads.</summary>
public sealed class SpamSettingsApiTests
{
    private static readonly string[] Allow = ["Boss@Partner.TEST", "partner.test", "partner.test"];
    private static readonly string[] Block = ["spam.test"];
    private static readonly string[] BadAllow = ["not an address!", "ok.test"];

    [Fact]
    public async Task Settings_round_trip_are_normalised_checked_and_reach_the_store_the_mx_reads()
    {
        await using var host = await StartAsync();
        var tenants = host.Function<TenantsFunction>();
        var spam = host.Function<SpamSettingsFunction>();
        var acme = Expect(await Send(Request("POST", AdminKey, new { id = "acme" }), tenants.Create), "CreateTenant", 201).Str("apiKey");
        var globex = Expect(await Send(Request("POST", AdminKey, new { id = "globex" }), tenants.Create), "CreateTenant", 201).Str("apiKey");

        // Never set: the service's defaults apply.
        var initial = Expect(await Send(Request("GET", acme), r => spam.Get(r, "acme")), "GetSpamSettings", 200);
        Assert.Equal(5, initial.Body.GetProperty("effectiveJunkScore").GetDouble());
        Assert.Equal(15, initial.Body.GetProperty("effectiveRejectScore").GetDouble());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, initial.Body.GetProperty("junkScore").ValueKind);

        var put = Expect(await Send(Request("PUT", acme, new { junkScore = 4.5, rejectScore = (double?)null, allow = Allow, block = Block }),
            r => spam.Set(r, "acme")), "SetSpamSettings", 200);
        Assert.Equal(4.5, put.Body.GetProperty("effectiveJunkScore").GetDouble());
        Assert.Equal(15, put.Body.GetProperty("effectiveRejectScore").GetDouble());
        Assert.Equal(["boss@partner.test", "partner.test"], put.Body.GetProperty("allow").EnumerateArray().Select(e => e.GetString()!).ToArray());
        var got = Expect(await Send(Request("GET", AdminKey), r => spam.Get(r, "acme")), "GetSpamSettings", 200);
        Assert.Equal(put.Body.ToString(), got.Body.ToString());
        var stored = await host.Services.GetRequiredService<SpamSettingsStore>().ReadAsync("acme", default);
        Assert.Equal((4.5, (double?)null, "spam.test"), (stored!.JunkScore!.Value, stored.RejectScore, stored.Block.Single()));

        // Strict: bad entries named by index, junk above reject, unknown fields, wrong types, missing lists.
        var bad = Expect(await Send(Request("PUT", acme, new { junkScore = 20, allow = BadAllow, block = Array.Empty<string>() }), r => spam.Set(r, "acme")),
            "SetSpamSettings", 400);
        var fields = bad.Body.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.Contains("allow[0]", fields);
        Assert.Contains("junkScore", fields);
        Expect(await Send(Request("PUT", acme, new { junkScore = "high", allow = Array.Empty<string>(), block = Array.Empty<string>() }), r => spam.Set(r, "acme")), "SetSpamSettings", 400);
        Expect(await Send(Request("PUT", acme, new { allow = Array.Empty<string>(), block = Array.Empty<string>(), extra = 1 }), r => spam.Set(r, "acme")), "SetSpamSettings", 400);
        Expect(await Send(Request("PUT", acme, new { junkScore = 3 }), r => spam.Set(r, "acme")), "SetSpamSettings", 400);

        // Another tenant's key sees nothing; no key is 401.
        Expect(await Send(Request("GET", globex), r => spam.Get(r, "acme")), "GetSpamSettings", 404);
        Expect(await Send(Request("PUT", globex, new { allow = Array.Empty<string>(), block = Array.Empty<string>() }), r => spam.Set(r, "acme")), "SetSpamSettings", 404);
        Expect(await Send(Request("GET", null), r => spam.Get(r, "acme")), "GetSpamSettings", 401);
        Expect(await Send(Request("GET", AdminKey), r => spam.Get(r, "nobody")), "GetSpamSettings", 404);
    }
}
