using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Serverless.Infra.Tests.Infrastructure;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Xunit;

namespace Serverless.Infra.Tests;

/// <summary>
/// What makes `azd up` work on any subscription (issue 21, point 5): no ACR Tasks, only Flex
/// Consumption regions, no azd inside a hook, the principal type detected, a CI workflow, and
/// queue triggers that match the queues the listeners write to.
/// </summary>
public sealed class DeployTests
{
    private static readonly string Root = AzuriteProcess.RepositoryRoot();

    private static string Text(string relativePath) => File.ReadAllText(Path.Combine(Root, relativePath));

    [Fact]
    public void Azure_yaml_requires_an_azd_version_and_runs_no_azd_command_from_a_hook()
    {
        var lines = Text("azure.yaml").Split('\n').Select(l => l.TrimEnd()).Where(l => !l.TrimStart().StartsWith('#')).ToList();
        var required = lines.IndexOf("requiredVersions:");
        Assert.True(required >= 0, "no requiredVersions");
        Assert.Matches("^  azd: \">= 1\\.\\d+\\.\\d+\"$", lines[required + 1]);

        // Hooks may run scripts, never azd provision/deploy/up (nested runs fight over the environment).
        var runs = lines.Where(l => l.TrimStart().StartsWith("run: ", StringComparison.Ordinal)).Select(l => l.Trim()[5..]).ToList();
        Assert.NotEmpty(runs);
        Assert.All(runs, r => Assert.DoesNotMatch(@"\bazd\s+(provision|deploy|up)\b", r));
        Assert.All(runs, r => Assert.True(File.Exists(Path.Combine(Root, r)), $"{r} does not exist"));

        // `azd up` provisions again after deploying so the MX gets the image just pushed.
        var steps = lines.SkipWhile(l => l != "workflows:").Where(l => l.TrimStart().StartsWith("- azd: ", StringComparison.Ordinal))
            .Select(l => l.Trim()["- azd: ".Length..]).ToList();
        Assert.Equal(["provision", "deploy --all", "provision"], steps);
    }

    [Fact]
    public async Task The_location_is_limited_to_flex_consumption_regions()
    {
        var template = (await BicepCompilation.MainAsync()).Template();
        var allowed = ((JsonArray)template.Parameters["location"]!["allowedValues"]!).Select(v => (string)v!).ToList();
        Assert.True(allowed.Count >= 20, "the Flex Consumption region list is shorter than expected");
        Assert.Contains("eastus", allowed);
        Assert.Contains("westeurope", allowed);
        Assert.DoesNotContain("eastus2euap", allowed); // canary, not for customers
        Assert.All(allowed, r => Assert.Matches("^[a-z0-9]+$", r));
        Assert.Equal(allowed.Count, allowed.Distinct().Count());
    }

    [Fact]
    public async Task The_first_revision_is_probed_on_the_placeholder_images_own_port()
    {
        var listeners = (await BicepCompilation.MainAsync()).Template().Module("listeners");
        var placeholder = (JsonArray)listeners.Variables["placeholderProbes"]!;
        Assert.Equal(["Liveness", "Readiness", "Startup"], placeholder.Select(p => (string)p!["type"]!).Order());
        // Every probe type given explicitly: Container Apps would otherwise add its default TCP
        // probe on the ingress port (587), where the placeholder does not listen.
        Assert.All(placeholder, p => Assert.Equal(80, (int)p!["tcpSocket"]!["port"]!));
        var image = (string)Assert.Single(listeners.OfType("Microsoft.App/containerApps"))["properties"]!["template"]!["containers"]![0]!["image"]!;
        Assert.Contains("mcr.microsoft.com/k8se/quickstart", image, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("app", "ServicePrincipal")]
    [InlineData("user", "User")]
    public async Task The_preprovision_hook_tells_a_service_principal_from_a_user_by_the_token(string idtyp, string expected)
    {
        // A stand-in azd on PATH: `auth token` prints a token with that idtyp; `env set` records.
        var folder = Directory.CreateTempSubdirectory("serverless-mail-azd-").FullName;
        var payload = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{{\"aud\":\"https://management.azure.com\",\"idtyp\":\"{idtyp}\",\"oid\":\"x\"}}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var recorded = Path.Combine(folder, "env-set");
        var azd = Path.Combine(folder, "azd");
        await File.WriteAllTextAsync(azd,
            "#!/bin/sh\n" +
            "case \"$1 $2\" in\n" +
            $"  'auth token') echo '{{\"token\": \"eyJhbGciOiJSUzI1NiJ9.{payload}.c2ln\", \"expiresOn\": \"2030-01-01T00:00:00Z\"}}' ;;\n" +
            $"  'env set') echo \"$3=$4\" > '{recorded}' ;;\n" +
            "esac\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(azd, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var start = new ProcessStartInfo("sh") { ArgumentList = { Path.Combine(Root, "infra", "hooks", "principal-type.sh") }, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PATH"] = folder + ":" + Environment.GetEnvironmentVariable("PATH");
        start.Environment.Remove("AZURE_PRINCIPAL_TYPE");
        start.Environment.Remove("AZURE_CLIENT_ID");
        using var hook = Process.Start(start)!;
        var error = await hook.StandardError.ReadToEndAsync();
        await hook.WaitForExitAsync();
        Assert.True(hook.ExitCode == 0, error);
        Assert.Equal($"AZURE_PRINCIPAL_TYPE={expected}", (await File.ReadAllTextAsync(recorded)).Trim());
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void The_github_workflow_deploys_with_a_federated_credential_as_azd_up_does()
    {
        var workflow = Text(".github/workflows/azure-dev.yml");
        Assert.Contains("id-token: write", workflow, StringComparison.Ordinal);
        // The variables `azd pipeline config` writes, and the generated values it keeps.
        foreach (var name in new[] { "AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_SUBSCRIPTION_ID", "AZURE_ENV_NAME", "AZURE_LOCATION" })
        {
            Assert.Contains($"{name}: ${{{{ vars.{name} }}}}", workflow, StringComparison.Ordinal);
        }
        Assert.Contains("AZD_INITIAL_ENVIRONMENT_CONFIG: ${{ secrets.AZD_INITIAL_ENVIRONMENT_CONFIG }}", workflow, StringComparison.Ordinal);
        Assert.Contains("--federated-credential-provider github", workflow, StringComparison.Ordinal);
        Assert.Contains("MAIL_SERVICE_DOMAIN", workflow, StringComparison.Ordinal);
        var commands = workflow.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("run: azd ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["run: azd provision --no-prompt", "run: azd deploy --all --no-prompt", "run: azd provision --no-prompt"], commands);
    }

    /// <summary>The queue names core writes to: every <c>…Queue</c> constant of <see cref="StorageNames"/>.</summary>
    private static HashSet<string> QueuesWrittenTo() =>
        typeof(StorageNames).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name.EndsWith("Queue", StringComparison.Ordinal))
            .Select(f => (string)f.GetRawConstantValue()!).ToHashSet();

    [Fact]
    public async Task The_published_function_metadata_triggers_on_exactly_the_queues_core_writes_to()
    {
        var publishDir = await PublishOutput.DirectoryAsync("MAIL_FUNCTIONS_PUBLISH_DIR", "functions/Serverless.Functions/Serverless.Functions.csproj");
        var metadataPath = Path.Combine(publishDir, "functions.metadata");
        Assert.True(File.Exists(metadataPath), $"no functions.metadata in {publishDir}");
        var functions = (JsonArray)JsonNode.Parse(await File.ReadAllTextAsync(metadataPath))!;

        var triggers = functions.SelectMany(f => ((JsonArray)f!["bindings"]!).Select(b => (Function: (string)f["name"]!, Binding: b!)))
            .Where(x => (string?)x.Binding["type"] == "queueTrigger").ToList();
        var written = QueuesWrittenTo();
        Assert.Contains(StorageNames.InboundQueue, written);
        Assert.Contains(StorageNames.OutboundQueue, written);
        // A renamed constant or trigger fails here, not in Azure.
        Assert.Equal(written.Order(), triggers.Select(t => (string)t.Binding["queueName"]!).Order());
        foreach (var (function, binding) in triggers)
        {
            // No connection named: the trigger uses AzureWebJobsStorage, the account the
            // template points at the same storage account the listeners write to (below).
            var connection = (string?)binding["connection"];
            Assert.True(connection is null or "AzureWebJobsStorage", $"{function} reads queue storage from '{connection}'");
        }

        var main = (await BicepCompilation.MainAsync()).Template();
        var apiSettings = (JsonObject)Assert.Single(main.Module("api").OfType("Microsoft.Web/sites/config"))["properties"]!;
        var account = "parameters('storageAccountName')";
        Assert.Contains(account, (string?)apiSettings["AzureWebJobsStorage__queueServiceUri"], StringComparison.Ordinal);
        Assert.Equal($"[{account}]", (string?)apiSettings["Mail__Storage__AccountName"]);
        Assert.NotNull(main.ModuleParameter("api", "storageAccountName"));
        Assert.Equal((string?)main.ModuleParameter("api", "storageAccountName"), (string?)main.ModuleParameter("listeners", "storageAccountName"));
        Assert.Equal((string?)main.ModuleParameter("api", "storageAccountName"), (string?)main.ModuleParameter("mx", "storageAccountName"));
        // A storage prefix would rename every queue the listeners write to, but not the triggers.
        foreach (var (_, template) in main.AllTemplates())
        {
            Assert.DoesNotContain("Mail__Storage__Prefix", ArmTemplate.Text(template.Root), StringComparison.Ordinal);
        }
    }
}
