using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Serverless.Testing;
using Xunit;
using static Serverless.Cli.Tests.SmailSessionTests;

namespace Serverless.Cli.Tests;

/// <summary>Exit codes and stderr for scripts, and where the API and key come from when not given.</summary>
[Collection(CliCollection.Name)]
public sealed class ExitCodeTests(CliStackFixture fixture)
{
    private readonly SmailRunner _cli = new(fixture.Stack);

    [Fact]
    public async Task A_wrong_key_exits_with_the_refusal_code_and_one_line_on_stderr()
    {
        var result = await _cli.RunAsync("--api", _cli.ApiUrl, "--key", "smk_0123456789abcdef_forged", "tenants", "list");
        Assert.Equal(ExitCodes.Refused, result.Code);
        Assert.Equal("", result.Out);
        Assert.StartsWith("error: 401 Unauthorized: ", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Problem_details_of_a_bad_request_or_a_conflict_are_one_line_naming_the_field()
    {
        Ok(await _cli.AdminAsync("tenants", "add", "errco"));
        Ok(await _cli.AdminAsync("domains", "add", "errco.test", "-t", "errco"));
        var shortPassword = await _cli.AdminAsync("mailboxes", "add", "bob@errco.test", "-t", "errco", "--password", "short");
        Assert.Equal(ExitCodes.Refused, shortPassword.Code);
        Assert.Equal("error: 400 Bad Request: password: must be at least 10 characters long.", shortPassword.Error.TrimEnd());
        var twice = await _cli.AdminAsync("tenants", "add", "errco");
        Assert.Equal(ExitCodes.Refused, twice.Code);
        Assert.StartsWith("error: 409 Conflict: ", twice.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tenants", "lst")] // unknown command
    [InlineData("mailboxes", "add")] // missing argument
    [InlineData("mailboxes", "add", "a@b.test", "-t", "x", "--quota", "lots")] // not a size
    [InlineData("domains", "list")] // no tenant, none in MAIL_TENANT
    public async Task A_wrong_command_line_exits_with_the_usage_code(params string[] args)
    {
        var result = await _cli.AdminAsync(args);
        Assert.True(result.Code == ExitCodes.Usage, result.ToString());
        Assert.NotEqual("", result.Error);
    }

    [Fact]
    public async Task An_api_that_cannot_be_reached_or_fails_exits_with_the_unavailable_code()
    {
        var closed = await _cli.RunAsync("--api", $"http://127.0.0.1:{AzuriteProcess.FreePort()}", "--key", "k", "tenants", "list");
        Assert.Equal(ExitCodes.Unavailable, closed.Code);
        Assert.StartsWith("error: cannot reach the API at ", closed.Error, StringComparison.Ordinal);

        // A server error (5xx) with problem details.
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var port = AzuriteProcess.FreePort();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var failing = builder.Build();
        failing.Run(async context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "application/problem+json";
            await context.Response.WriteAsync("""{"type":"about:blank","title":"Service Unavailable","status":503,"detail":"Storage is unavailable."}""");
        });
        await failing.StartAsync();
        var failed = await _cli.RunAsync("--api", $"http://127.0.0.1:{port}/api", "--key", "k", "tenants", "list");
        Assert.Equal(ExitCodes.Unavailable, failed.Code);
        Assert.Equal("error: 503 Service Unavailable: Storage is unavailable.", failed.Error.TrimEnd());
        await failing.StopAsync();
    }

    [Fact]
    public async Task Without_options_the_api_and_key_come_from_the_environment_or_the_dev_hosts_admin_key_file()
    {
        Ok(await _cli.AdminAsync("tenants", "add", "envco"));
        var cli = new SmailRunner(fixture.Stack);
        cli.Environment["MAIL_API_URL"] = cli.ApiUrl + "/api";
        cli.Environment["MAIL_API_KEY"] = SmailRunner.AdminKey;
        cli.Environment["MAIL_TENANT"] = "envco";
        Ok(await cli.RunAsync("domains", "add", "envco.test"));

        // No key anywhere but .data/admin-key (as ./run.sh writes it): used for an API on this machine…
        cli.Environment.Remove("MAIL_API_KEY");
        Directory.CreateDirectory(Path.Combine(cli.WorkingDirectory, ".data"));
        await File.WriteAllTextAsync(Path.Combine(cli.WorkingDirectory, ".data", "admin-key"), SmailRunner.AdminKey + "\n");
        Assert.Contains("envco.test", Ok(await cli.RunAsync("domains", "list")).Out, StringComparison.Ordinal);

        // …and never sent anywhere else.
        cli.Environment["MAIL_API_URL"] = "https://api.example.invalid";
        var elsewhere = await cli.RunAsync("domains", "list");
        Assert.Equal(ExitCodes.Usage, elsewhere.Code);
        Assert.StartsWith("error: No API key", elsewhere.Error, StringComparison.Ordinal);
        Directory.Delete(cli.WorkingDirectory, recursive: true);
    }
}
