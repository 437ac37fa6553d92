using Serverless.Infra.Tests.Infrastructure;
using Xunit;

namespace Serverless.Infra.Tests;

public sealed class BicepCompileTests
{
    [Fact]
    public async Task Main_bicep_compiles_with_no_warning_error_or_linter_finding()
    {
        var compiled = await BicepCompilation.MainAsync();
        // Exit code 0 is not enough: type mismatches (BCP036/BCP037) and linter rules only warn.
        Assert.True(compiled.Diagnostics.Count == 0, "Bicep diagnostics:\n" + string.Join('\n', compiled.Diagnostics));
        Assert.Equal(0, compiled.ExitCode);
        Assert.StartsWith("{", compiled.Json.TrimStart(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Main_bicep_is_a_subscription_deployment_that_creates_its_resource_group()
    {
        var template = (await BicepCompilation.MainAsync()).Template();
        Assert.Contains("subscriptionDeploymentTemplate", (string?)template.Root["$schema"], StringComparison.Ordinal);
        static string main_tags(Infrastructure.ArmTemplate t) => Infrastructure.ArmTemplate.Text(t.Variables["tags"]);
        var group = Assert.Single(template.OfType("Microsoft.Resources/resourceGroups"));
        Assert.Contains("azd-env-name", main_tags(template), StringComparison.Ordinal);
        Assert.Equal("[variables('tags')]", (string?)group["tags"]);
    }
}
