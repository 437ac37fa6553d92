using Xunit;
using static Serverless.Cli.Tests.SmailSessionTests;

namespace Serverless.Cli.Tests;

/// <summary><c>smail tenants quotas</c>: shows a tenant's limits with its usage; with options it changes those limits only (the API's PUT replaces all three).</summary>
[Collection(CliCollection.Name)]
public sealed class TenantQuotaCommandTests(CliStackFixture fixture)
{
    private readonly SmailRunner _cli = new(fixture.Stack);

    [Fact]
    public async Task Quotas_are_shown_and_a_change_keeps_the_limits_not_given_while_a_tenant_key_is_refused()
    {
        var key = Json(Ok(await _cli.AdminAsync("tenants", "add", "quotaco", "--json"))).GetProperty("apiKey").GetString()!;
        Ok(await _cli.AdminAsync("tenants", "quotas", "quotaco", "--stored", "2G", "--mailboxes", "10", "--messages-per-day", "500"));

        // One limit changed: the two others stay (read, then the whole PUT).
        var changed = Json(Ok(await _cli.AdminAsync("tenants", "quotas", "quotaco", "--mailboxes", "0", "--json")));
        var limits = changed.GetProperty("limits");
        Assert.Equal(2L << 30, limits.GetProperty("storedBytes").GetInt64());
        Assert.Equal(0, limits.GetProperty("mailboxes").GetInt64());
        Assert.Equal(500, limits.GetProperty("messagesPerDay").GetInt64());

        var shown = Ok(await _cli.AdminAsync("tenants", "quotas", "quotaco")).Out;
        Assert.Matches(@"Stored\s+│\s+2 GiB\s+│\s+0 B", shown);
        Assert.Matches(@"Mailboxes\s+│\s+unlimited\s+│\s+0", shown);
        Assert.Matches(@"Messages per day\s+│\s+500\s+│\s+0", shown);

        // The tenant reads its own quotas; raising them is the admin's (403 from the API).
        string[] asTenant = ["--api", _cli.ApiUrl, "--key", key];
        Assert.Contains("500", Ok(await _cli.RunAsync([.. asTenant, "tenants", "quotas", "quotaco"])).Out, StringComparison.Ordinal);
        var refused = await _cli.RunAsync([.. asTenant, "tenants", "quotas", "quotaco", "--messages-per-day", "0"]);
        Assert.NotEqual(0, refused.Code);
        Assert.StartsWith("error: 403 Forbidden", refused.Error, StringComparison.Ordinal);
    }
}
