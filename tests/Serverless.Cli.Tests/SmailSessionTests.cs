using System.Text.Json;
using System.Text.RegularExpressions;
using Serverless.Testing.Raw;
using Xunit;

namespace Serverless.Cli.Tests;

/// <summary>An operator's session with smail against the dev host: tenant, key, domain, mailboxes, aliases, and tidying up.</summary>
[Collection(CliCollection.Name)]
public sealed class SmailSessionTests(CliStackFixture fixture)
{
    private readonly SmailRunner _cli = new(fixture.Stack);

    [Fact]
    public async Task A_tenant_domain_and_mailbox_made_with_smail_can_log_in_and_are_listed_as_the_apis_json()
    {
        var tenant = Ok(await _cli.AdminAsync("tenants", "add", "acme", "--name", "Acme Corp", "--json"));
        var key = Json(tenant).GetProperty("apiKey").GetString()!;
        string[] asTenant = ["--api", _cli.ApiUrl, "--key", key, "-t", "acme"];

        // The tenant's own key from here on; the dev host verifies a domain at creation, as ./run.sh does.
        var domain = Ok(await _cli.RunAsync([.. asTenant, "domains", "add", "acme.test"]));
        Assert.Contains("acme.test: verified", domain.Out, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^  MX\s+acme\.test\s+10 ", domain.Out);

        // No --password: one is generated, shown once, and it logs in (POP3 over implicit TLS).
        var added = Ok(await _cli.RunAsync([.. asTenant, "mailboxes", "add", "alice@acme.test", "--name", "Alice", "--quota", "1G"]));
        var password = Regex.Match(added.Out, "(?m)^Password: (\\S+)\r?$").Groups[1].Value;
        Assert.Equal(20, password.Length);
        Assert.StartsWith("+OK", await LoginAsync("alice@acme.test", password), StringComparison.Ordinal);
        Ok(await _cli.RunAsync([.. asTenant, "mailboxes", "add", "bob@acme.test", "--password", "bob's long password"]));

        // --json prints the API's answers: every mailbox's own (with usage), in the list's page shape.
        var list = Json(Ok(await _cli.RunAsync([.. asTenant, "mailboxes", "list", "--json"])));
        var items = list.GetProperty("items").EnumerateArray().ToDictionary(m => m.GetProperty("address").GetString()!);
        Assert.Equal(["alice@acme.test", "bob@acme.test"], items.Keys.Order());
        Assert.Equal(1L << 30, items["alice@acme.test"].GetProperty("quotaBytes").GetInt64());
        Assert.Equal(0, items["alice@acme.test"].GetProperty("usage").GetProperty("messages").GetInt64());
        Assert.Equal(JsonValueKind.Null, list.GetProperty("continuationToken").ValueKind);
        var table = Ok(await _cli.RunAsync([.. asTenant, "mailboxes", "list"]));
        Assert.Matches(@"alice@acme\.test\s*│\s*Alice\s*│\s*yes\s*│\s*0\s*│\s*0 B\s*│\s*1 GiB", table.Out);

        // passwd: a new generated password replaces the old one; disable shows in the mailbox.
        var changed = Ok(await _cli.RunAsync([.. asTenant, "mailboxes", "passwd", "alice@acme.test", "--json"]));
        var newPassword = Json(changed).GetProperty("password").GetString()!;
        Assert.NotEqual(password, newPassword);
        Assert.StartsWith("-ERR", await LoginAsync("alice@acme.test", password), StringComparison.Ordinal);
        Assert.StartsWith("+OK", await LoginAsync("alice@acme.test", newPassword), StringComparison.Ordinal);
        Assert.Contains("disabled", Ok(await _cli.RunAsync([.. asTenant, "mailboxes", "disable", "bob@acme.test"])).Out, StringComparison.Ordinal);
        Assert.False(Json(Ok(await _cli.RunAsync([.. asTenant, "mailboxes", "show", "bob@acme.test", "--json"]))).GetProperty("enabled").GetBoolean());

        // Aliases, keys and tenants as JSON.
        Ok(await _cli.RunAsync([.. asTenant, "aliases", "add", "team@acme.test", "alice@acme.test", "bob@partner.example"]));
        var alias = Assert.Single(Json(Ok(await _cli.RunAsync([.. asTenant, "aliases", "list", "--json"]))).GetProperty("items").EnumerateArray());
        Assert.Equal(["alice@acme.test", "bob@partner.example"], alias.GetProperty("targets").EnumerateArray().Select(t => t.GetString()));
        Assert.Single(Json(Ok(await _cli.RunAsync([.. asTenant, "keys", "list", "--json"]))).GetProperty("items").EnumerateArray());
        Assert.Contains(Json(Ok(await _cli.AdminAsync("tenants", "list", "--json"))).GetProperty("items").EnumerateArray(),
            t => t.GetProperty("id").GetString() == "acme");
        Assert.Empty(Json(Ok(await _cli.RunAsync([.. asTenant, "outbound", "list", "--json"]))).GetProperty("items").EnumerateArray());

        // Tidying up, then the tenant is gone (the API's 404: the refusal exit code).
        Ok(await _cli.RunAsync([.. asTenant, "aliases", "delete", "team@acme.test"]));
        Ok(await _cli.RunAsync([.. asTenant, "mailboxes", "delete", "bob@acme.test"]));
        Ok(await _cli.RunAsync([.. asTenant, "domains", "delete", "acme.test", "--force"]));
        Ok(await _cli.AdminAsync("tenants", "delete", "acme"));
        Assert.Equal(ExitCodes.Refused, (await _cli.AdminAsync("tenants", "show", "acme")).Code);
    }

    [Fact]
    public async Task A_tenant_key_issued_by_smail_works_and_stops_working_once_revoked()
    {
        var first = Json(Ok(await _cli.AdminAsync("tenants", "add", "keyco", "--json")));
        var issued = Ok(await _cli.AdminAsync("keys", "add", "-t", "keyco"));
        var second = Regex.Match(issued.Out, "(?m)^API key: (\\S+)\r?$").Groups[1].Value;
        Assert.Contains("shown only this once", issued.Out, StringComparison.Ordinal);
        Ok(await _cli.RunAsync("--api", _cli.ApiUrl, "--key", second, "keys", "revoke", first.GetProperty("keyId").GetString()!, "-t", "keyco"));
        Assert.Equal(ExitCodes.Refused, (await _cli.RunAsync("--api", _cli.ApiUrl, "--key", first.GetProperty("apiKey").GetString()!, "domains", "list", "-t", "keyco")).Code);
        Ok(await _cli.RunAsync("--api", _cli.ApiUrl, "--key", second, "domains", "list", "-t", "keyco"));
    }

    [Fact]
    public async Task Poison_list_prints_the_apis_answer_for_a_queue()
    {
        var poison = Json(Ok(await _cli.AdminAsync("poison", "list", "inbound", "--json")));
        Assert.Equal("inbound", poison.GetProperty("queue").GetString());
        Assert.Equal(JsonValueKind.Array, poison.GetProperty("items").ValueKind);
        Assert.Contains("outbound-poison", Ok(await _cli.AdminAsync("poison", "list", "outbound")).Out, StringComparison.Ordinal);
    }

    private async Task<string> LoginAsync(string address, string password)
    {
        await using var pop = await RawPop3Client.ConnectAsync(fixture.Stack.Port("Pop3s"), tls: true);
        return await pop.LoginAsync(address, password);
    }

    internal static SmailResult Ok(SmailResult result)
    {
        Assert.True(result.Code == ExitCodes.Ok, result.ToString());
        Assert.Equal("", result.Error);
        return result;
    }

    internal static JsonElement Json(SmailResult result) => JsonDocument.Parse(result.Out).RootElement.Clone();
}
