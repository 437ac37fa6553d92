using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Serverless.Infra.Tests.Infrastructure;
using Xunit;

namespace Serverless.Infra.Tests;

/// <summary>Assertions on the compiled ARM JSON of infra/main.bicep.</summary>
public sealed partial class ArmTemplateTests
{
    /// <summary>Listener port settings and the standard port each stands for in Azure.</summary>
    private static readonly Dictionary<string, int> StandardPorts = new()
    {
        ["Smtp"] = 25,
        ["Submission"] = 587,
        ["Submissions"] = 465,
        ["Imap"] = 143,
        ["Imaps"] = 993,
        ["Pop3"] = 110,
        ["Pop3s"] = 995,
        ["ManageSieve"] = 4190,
        ["Http"] = 80, // ACME HTTP-01, on both placements
    };

    private static async Task<ArmTemplate> MainAsync() => (await BicepCompilation.MainAsync()).Template();

    private static Dictionary<string, string> Env(JsonArray entries) =>
        entries.Select(e => ((string)e!["name"]!, (string)e!["value"]!)).ToDictionary(e => e.Item1, e => e.Item2);

    private static JsonObject ContainerApp(ArmTemplate main) => Assert.Single(main.Module("listeners").OfType("Microsoft.App/containerApps"));

    private static JsonObject MxGroup(ArmTemplate main) => Assert.Single(main.Module("mx").OfType("Microsoft.ContainerInstance/containerGroups"));

    private static Dictionary<string, string> ContainerAppEnv(ArmTemplate main) =>
        Env((JsonArray)ContainerApp(main)["properties"]!["template"]!["containers"]![0]!["env"]!);

    private static Dictionary<string, string> MxEnv(ArmTemplate main) =>
        Env((JsonArray)MxGroup(main)["properties"]!["containers"]![0]!["properties"]!["environmentVariables"]!);

    private static HashSet<int> ServedPorts(Dictionary<string, string> env) =>
        StandardPorts.Keys.Select(k => int.Parse(env[$"Mail__Listeners__Ports__{k}"], System.Globalization.CultureInfo.InvariantCulture)).Where(p => p > 0).ToHashSet();

    [Fact]
    public async Task Every_mail_port_is_exposed_and_the_container_behind_it_listens_on_that_port()
    {
        var main = await MainAsync();

        var ingress = ContainerApp(main)["properties"]!["configuration"]!["ingress"]!;
        Assert.Equal("tcp", (string?)ingress["transport"]);
        Assert.True((bool)ingress["external"]!);
        var mappings = new List<(int Exposed, int Target, bool External)> { ((int)ingress["exposedPort"]!, (int)ingress["targetPort"]!, true) };
        mappings.AddRange(((JsonArray)ingress["additionalPortMappings"]!).Select(m => ((int)m!["exposedPort"]!, (int)m["targetPort"]!, (bool)m["external"]!)));
        Assert.All(mappings, m => Assert.True(m.External && m.Exposed == m.Target, $"port {m.Exposed} -> {m.Target}"));
        var appPorts = mappings.Select(m => m.Exposed).ToHashSet();
        Assert.Equal(appPorts, ServedPorts(ContainerAppEnv(main)));

        var ip = MxGroup(main)["properties"]!["ipAddress"]!;
        Assert.Equal("Public", (string?)ip["type"]);
        var mxPorts = ((JsonArray)ip["ports"]!).Select(p => (int)p!["port"]!).ToHashSet();
        Assert.Equal(mxPorts, ServedPorts(MxEnv(main)));
        Assert.Equal([25, 80], mxPorts.Order());

        // Only port 80 is on both: each answers HTTP-01 for its own host name.
        Assert.Equal([80], appPorts.Intersect(mxPorts));
        Assert.Equal(StandardPorts.Values.ToHashSet(), appPorts.Union(mxPorts).ToHashSet());
        Assert.Equal("0.0.0.0", ContainerAppEnv(main)["Mail__Listeners__BindAddress"]);
        Assert.Equal("0.0.0.0", MxEnv(main)["Mail__Listeners__BindAddress"]);
    }

    [Fact]
    public async Task Health_is_probed_on_8080_and_never_exposed_publicly()
    {
        var main = await MainAsync();
        Assert.Equal("8080", ContainerAppEnv(main)["Mail__Listeners__Ports__Health"]);
        Assert.Equal("8080", MxEnv(main)["Mail__Listeners__Ports__Health"]);

        var probes = (JsonArray)main.Module("listeners").Variables["probes"]!;
        Assert.Equal("[if(variables('hasImage'), variables('probes'), variables('placeholderProbes'))]", (string?)ContainerApp(main)["properties"]!["template"]!["containers"]![0]!["probes"]);
        var liveness = probes.Single(p => (string?)p!["type"] == "Liveness")!;
        Assert.Equal("/healthz", (string?)liveness["httpGet"]!["path"]);
        Assert.Equal(8080, (int)liveness["httpGet"]!["port"]!);
        var mxContainer = MxGroup(main)["properties"]!["containers"]![0]!["properties"]!;
        Assert.Equal("/healthz", (string?)mxContainer["livenessProbe"]!["httpGet"]!["path"]);
        Assert.Equal(8080, (int)mxContainer["livenessProbe"]!["httpGet"]!["port"]!);
        var publicPorts = ((JsonArray)MxGroup(main)["properties"]!["ipAddress"]!["ports"]!).Select(p => (int)p!["port"]!);
        Assert.DoesNotContain(8080, publicPorts);
    }

    [Fact]
    public async Task The_client_listeners_always_run_and_scale_on_concurrent_connections()
    {
        var main = await MainAsync();
        var scale = ContainerApp(main)["properties"]!["template"]!["scale"]!;
        Assert.Equal("[parameters('minReplicas')]", (string?)scale["minReplicas"]);
        Assert.Equal("[parameters('listenersMinReplicas')]", (string?)main.ModuleParameter("listeners", "minReplicas"));
        Assert.True((int)main.Parameters["listenersMinReplicas"]!["minValue"]! >= 1);
        Assert.True((int)main.Parameters["listenersMinReplicas"]!["defaultValue"]! >= 1);
        var rule = Assert.Single((JsonArray)scale["rules"]!);
        Assert.NotNull(rule!["tcp"]!["metadata"]!["concurrentConnections"]);
        Assert.Equal("Always", (string?)MxGroup(main)["properties"]!["restartPolicy"]);
    }

    [Fact]
    public async Task Storage_refuses_shared_keys_and_keeps_deleted_mail_recoverable()
    {
        var main = await MainAsync();
        var storage = main.Module("storage");
        var account = Assert.Single(storage.OfType("Microsoft.Storage/storageAccounts"));
        Assert.False((bool)account["properties"]!["allowSharedKeyAccess"]!);
        Assert.False((bool)account["properties"]!["allowBlobPublicAccess"]!);
        Assert.Equal("TLS1_2", (string?)account["properties"]!["minimumTlsVersion"]);
        var blobs = Assert.Single(storage.OfType("Microsoft.Storage/storageAccounts/blobServices"))["properties"]!;
        Assert.True((bool)blobs["isVersioningEnabled"]!);
        Assert.True((bool)blobs["deleteRetentionPolicy"]!["enabled"]!);
        Assert.True((bool)blobs["containerDeleteRetentionPolicy"]!["enabled"]!);

        // Nothing anywhere reads a storage key or builds a key-based connection string.
        var json = ArmTemplate.Text(main.Root);
        Assert.DoesNotMatch(@"listKeys\([^)]*Microsoft\.Storage", json);
        Assert.DoesNotContain("AccountKey=", json, StringComparison.OrdinalIgnoreCase);
        var settings = (JsonObject)Assert.Single(main.Module("api").OfType("Microsoft.Web/sites/config"))["properties"]!;
        Assert.Equal("managedidentity", (string?)settings["AzureWebJobsStorage__credential"]);
        Assert.False(settings.ContainsKey("AzureWebJobsStorage"), "no connection-string form of AzureWebJobsStorage");
    }

    [Fact]
    public async Task No_registry_password_is_used_anywhere()
    {
        var main = await MainAsync();
        var registry = Assert.Single(main.Module("registry").OfType("Microsoft.ContainerRegistry/registries"));
        Assert.False((bool)registry["properties"]!["adminUserEnabled"]!);
        var appRegistry = Assert.Single((JsonArray)ContainerApp(main)["properties"]!["configuration"]!["registries"]!)!;
        Assert.Null(appRegistry["passwordSecretRef"]);
        Assert.Equal("[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', parameters('identityName'))]", (string?)appRegistry["identity"]);
        Assert.Equal("[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', parameters('identityName'))]", (string?)mxRegistryIdentity(main));
        var mxRegistry = Assert.Single((JsonArray)MxGroup(main)["properties"]!["imageRegistryCredentials"]!)!;
        Assert.Null(mxRegistry["password"]);
        Assert.DoesNotMatch(@"listCredentials\(", ArmTemplate.Text(main.Root));
    }

    [Fact]
    public async Task The_listeners_may_read_only_the_vault_that_holds_their_certificate()
    {
        var main = await MainAsync();
        var rbac = main.Module("rbac");
        var vaultRoles = rbac.OfType("Microsoft.Authorization/roleAssignments")
            .Where(a => ((string)a["scope"]!).Contains("Microsoft.KeyVault/vaults", StringComparison.Ordinal))
            .Select(a => (Who: ArmTemplate.ReferencedNameParameter((string)a["properties"]!["principalId"]!) ?? (string)a["properties"]!["principalId"]!,
                Scope: (string)a["scope"]!))
            .ToList();
        // Secrets User (read the certificate) and, with ACME, Certificates Officer (import it): both on the TLS vault.
        var listeners = vaultRoles.Where(r => r.Who == "listenersIdentityName").ToList();
        Assert.Equal(2, listeners.Count);
        Assert.All(listeners, r => Assert.Contains("tlsKeyVaultName", r.Scope, StringComparison.Ordinal));
        Assert.Equal("[variables('names').tlsKeyVault]", (string?)main.ModuleParameter("rbac", "tlsKeyVaultName"));
        Assert.NotEqual((string?)main.Variables["names"]!["keyVault"], (string?)main.Variables["names"]!["tlsKeyVault"]);

        // The secrets the listeners must not read live in the other vault.
        var vaults = main.Module("keyvault");
        foreach (var secret in vaults.OfType("Microsoft.KeyVault/vaults/secrets"))
        {
            Assert.Contains("parameters('keyVaultName')", ArmTemplate.Text(secret["name"]), StringComparison.Ordinal);
        }
        Assert.Equal("[variables('names').keyVault]", (string?)main.ModuleParameter("keyvault", "keyVaultName"));

        // Both listener placements read the certificate from the TLS vault, and know no other vault.
        foreach (var env in new[] { ContainerAppEnv(main), MxEnv(main) })
        {
            Assert.Contains("tlsKeyVaultName", env["Mail__Tls__KeyVaultUri"], StringComparison.Ordinal);
            Assert.DoesNotContain("Mail__KeyVault__Uri", env.Keys);
        }
    }

    private static readonly Dictionary<string, string> RoleNames = new()
    {
        ["b7e6dc6d-f1e8-4753-8033-0f276bb0955b"] = "Storage Blob Data Owner",
        ["ba92f5b4-2d11-453d-a403-e96b0029c9fe"] = "Storage Blob Data Contributor",
        ["974c5e8b-45b9-4653-ba55-5f855dd0fb88"] = "Storage Queue Data Contributor",
        ["0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"] = "Storage Table Data Contributor",
        ["4633458b-17de-408a-b874-0445c86b69e6"] = "Key Vault Secrets User",
        ["b86a8fe4-44ce-4948-aee5-eccb2c155cd7"] = "Key Vault Secrets Officer",
        ["a4417e6f-fecd-4de8-b567-7b0420556985"] = "Key Vault Certificates Officer",
        ["7f951dda-4ed3-4680-a7ca-43fe172d538d"] = "AcrPull",
        ["3913510d-42f4-4e42-8a64-420c390055eb"] = "Monitoring Metrics Publisher",
    };

    [Fact]
    public async Task The_identities_hold_exactly_their_roles_each_on_the_one_resource_that_needs_it()
    {
        var main = await MainAsync();
        var granted = new List<string>();
        foreach (var (path, template) in main.AllTemplates())
        {
            foreach (var assignment in template.OfType("Microsoft.Authorization/roleAssignments"))
            {
                var role = RoleNames[GuidPattern().Match((string)assignment["properties"]!["roleDefinitionId"]!).Value];
                var principal = (string)assignment["properties"]!["principalId"]!;
                var who = template.ReferencedType(principal) == "Microsoft.ManagedIdentity/userAssignedIdentities"
                    ? ArmTemplate.ReferencedNameParameter(principal)
                    : ArmTemplate.ParameterPattern().Match(principal).Groups[1].Value;
                var scope = ScopeType().Match((string)assignment["scope"]!).Groups[1].Value;
                granted.Add($"{who}: {role} on {scope}");
                Assert.Equal("main/rbac", path);
            }
        }
        string[] expected =
        [
            "apiIdentityName: Storage Blob Data Owner on Microsoft.Storage/storageAccounts",
            "apiIdentityName: Storage Queue Data Contributor on Microsoft.Storage/storageAccounts",
            "apiIdentityName: Storage Table Data Contributor on Microsoft.Storage/storageAccounts",
            "apiIdentityName: Key Vault Secrets Officer on Microsoft.KeyVault/vaults",
            "apiIdentityName: Monitoring Metrics Publisher on Microsoft.Insights/components",
            "listenersIdentityName: Storage Blob Data Contributor on Microsoft.Storage/storageAccounts",
            "listenersIdentityName: Storage Queue Data Contributor on Microsoft.Storage/storageAccounts",
            "listenersIdentityName: Storage Table Data Contributor on Microsoft.Storage/storageAccounts",
            "listenersIdentityName: Key Vault Secrets User on Microsoft.KeyVault/vaults",
            "listenersIdentityName: Key Vault Certificates Officer on Microsoft.KeyVault/vaults",
            "listenersIdentityName: AcrPull on Microsoft.ContainerRegistry/registries",
            "listenersIdentityName: Monitoring Metrics Publisher on Microsoft.Insights/components",
            "operatorPrincipalId: Key Vault Certificates Officer on Microsoft.KeyVault/vaults",
            "operatorPrincipalId: Key Vault Secrets Officer on Microsoft.KeyVault/vaults",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), granted.Order(StringComparer.Ordinal));

        // ...and each host runs as the identity those roles were given to.
        Assert.Equal("[variables('names').apiIdentity]", (string?)main.ModuleParameter("rbac", "apiIdentityName"));
        Assert.Equal("[variables('names').listenersIdentity]", (string?)main.ModuleParameter("rbac", "listenersIdentityName"));
        Assert.Equal("[variables('names').apiIdentity]", (string?)main.ModuleParameter("api", "identityName"));
        Assert.Equal("[variables('names').listenersIdentity]", (string?)main.ModuleParameter("listeners", "identityName"));
        Assert.Equal("[variables('names').listenersIdentity]", (string?)main.ModuleParameter("mx", "identityName"));
        // The operator's roles exist only when azd names an operator.
        var operatorGrants = main.Module("rbac").OfType("Microsoft.Authorization/roleAssignments")
            .Where(a => ((string)a["properties"]!["principalId"]!).Contains("operatorPrincipalId", StringComparison.Ordinal));
        Assert.All(operatorGrants, a => Assert.Equal("[not(empty(parameters('operatorPrincipalId')))]", (string?)a["condition"]));
        // The listeners may import certificates only when they order them.
        var certificates = main.Module("rbac").OfType("Microsoft.Authorization/roleAssignments")
            .Single(a => ((string)a["properties"]!["roleDefinitionId"]!).Contains("a4417e6f", StringComparison.Ordinal) && ((string)a["properties"]!["principalId"]!).Contains("listenersIdentityName", StringComparison.Ordinal));
        Assert.Equal("[parameters('acmeEnabled')]", (string?)certificates["condition"]);
        Assert.Equal("[not(empty(parameters('acmeDirectoryUrl')))]", (string?)main.ModuleParameter("rbac", "acmeEnabled"));
    }

    [Fact]
    public async Task No_output_of_any_template_carries_a_secret()
    {
        var main = await MainAsync();
        var checkedOutputs = 0;
        foreach (var (path, template) in main.AllTemplates())
        {
            var secureParameters = template.Parameters
                .Where(p => ((string?)p.Value!["type"])?.StartsWith("secure", StringComparison.OrdinalIgnoreCase) == true)
                .Select(p => p.Key).ToList();
            foreach (var (name, output) in template.Outputs)
            {
                checkedOutputs++;
                var type = (string?)output!["type"];
                Assert.False(type?.StartsWith("secure", StringComparison.OrdinalIgnoreCase), $"{path}.{name} is {type}");
                var value = ArmTemplate.Text(output["value"]);
                Assert.DoesNotMatch(@"\blist[A-Za-z]*\(", value);
                Assert.DoesNotContain("ConnectionString", value, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain("/secrets", value, StringComparison.OrdinalIgnoreCase);
                foreach (var secure in secureParameters)
                {
                    Assert.DoesNotContain($"parameters('{secure}')", value, StringComparison.Ordinal);
                }
            }
        }
        Assert.True(checkedOutputs > 20, $"only {checkedOutputs} outputs found");
        Assert.Equal("securestring", ((string?)main.Parameters["adminApiKey"]!["type"])?.ToLowerInvariant());
        Assert.Equal("securestring", ((string?)main.Parameters["smartHostPassword"]!["type"])?.ToLowerInvariant());
        Assert.Equal("securestring", ((string?)main.Parameters["srsSecret"]!["type"])?.ToLowerInvariant());
    }

    [Fact]
    public async Task The_MX_gets_the_SRS_key_as_a_secure_variable_never_as_a_plain_value()
    {
        var main = await MainAsync();
        var srs = ((JsonArray)MxGroup(main)["properties"]!["containers"]![0]!["properties"]!["environmentVariables"]!)
            .Single(e => (string?)e!["name"] == "Mail__Srs__Secret")!;
        Assert.Null(srs["value"]);
        Assert.Equal("[parameters('srsSecret')]", (string?)srs["secureValue"]);
        Assert.Equal("[parameters('srsSecret')]", (string?)main.ModuleParameter("mx", "srsSecret"));
    }

    [Fact]
    public async Task The_required_outputs_exist_listener_address_api_url_and_dns_records()
    {
        var main = await MainAsync();
        foreach (var name in new[] { "API_BASE_URL", "LISTENERS_ADDRESS", "MX_ADDRESS", "DNS_RECORDS", "OUTBOUND_PTR_REQUEST", "AZURE_CONTAINER_REGISTRY_ENDPOINT" })
        {
            Assert.True(main.Outputs.ContainsKey(name), name);
        }
        Assert.Equal("array", (string?)main.Outputs["DNS_RECORDS"]!["type"]);
        var records = (string)main.Outputs["DNS_RECORDS"]!["value"]!;
        foreach (var kind in new[] { "A", "CNAME", "TXT", "PTR" })
        {
            Assert.Contains($"'type', '{kind}'", records, StringComparison.Ordinal);
        }
        Assert.Equal("[format('https://{0}/api', reference(resourceId('Microsoft.Web/sites', parameters('functionAppName')), '2024-04-01').defaultHostName)]", (string?)main.Module("api").Outputs["apiBaseUrl"]!["value"]);
    }

    [Fact]
    public async Task The_api_sends_mail_clients_to_the_listeners_and_checks_the_MX_host_against_the_MX()
    {
        var main = await MainAsync();
        var settings = (JsonObject)Assert.Single(main.Module("api").OfType("Microsoft.Web/sites/config"))["properties"]!;
        Assert.Equal("[parameters('clientHostName')]", (string?)settings["Mail__Provisioning__ClientHost"]);
        Assert.Equal("[variables('mailHostName')]", (string?)main.ModuleParameter("api", "clientHostName"));
        Assert.Equal("[parameters('mxAddress')]", (string?)settings["Mail__Provisioning__MxAddresses__0"]);
        // The MX's IP once the MX exists (its module is conditional, so the whole parameter is one expression).
        var mxAddress = (string)main.ModuleDeployment("api")["properties"]!["parameters"]!["mxAddress"]!;
        Assert.Contains("'Microsoft.Resources/deployments', 'mx')", mxAddress, StringComparison.Ordinal);
        Assert.Contains(".outputs.ipAddress.value", mxAddress, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Application_Insights_is_wired_to_both_hosts_with_entra_authentication()
    {
        var main = await MainAsync();
        var component = Assert.Single(main.Module("monitoring").OfType("Microsoft.Insights/components"));
        Assert.True((bool)component["properties"]!["DisableLocalAuth"]!);
        Assert.NotNull(component["properties"]!["WorkspaceResourceId"]);

        var api = main.Module("api");
        var settings = (JsonObject)Assert.Single(api.OfType("Microsoft.Web/sites/config"))["properties"]!;
        AssertWired(api, (string)settings["APPLICATIONINSIGHTS_CONNECTION_STRING"]!, (string)settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]!);
        AssertWired(main.Module("listeners"), ContainerAppEnv(main)["APPLICATIONINSIGHTS_CONNECTION_STRING"], ContainerAppEnv(main)["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
        AssertWired(main.Module("mx"), MxEnv(main)["APPLICATIONINSIGHTS_CONNECTION_STRING"], MxEnv(main)["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
        foreach (var module in new[] { "api", "listeners", "mx" })
        {
            // The same component the monitoring module creates.
            Assert.Equal("[variables('names').applicationInsights]", (string?)main.ModuleParameter(module, "applicationInsightsName"));
        }
        Assert.Equal("[variables('names').applicationInsights]", (string?)main.ModuleParameter("monitoring", "applicationInsightsName"));
    }

    private static void AssertWired(ArmTemplate module, string connectionString, string authentication)
    {
        Assert.Equal("Microsoft.Insights/components", module.ReferencedType(connectionString));
        Assert.EndsWith(".ConnectionString]", connectionString, StringComparison.Ordinal);
        Assert.Contains("Authorization=AAD", authentication, StringComparison.Ordinal);
        Assert.Contains("Microsoft.ManagedIdentity/userAssignedIdentities', parameters('identityName')", authentication, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_resource_carries_the_azd_tags_and_the_two_services_are_tagged_for_azd()
    {
        var main = await MainAsync();
        foreach (var (path, template) in main.AllTemplates().Skip(1))
        {
            foreach (var (symbol, resource) in template.Resources())
            {
                if (resource["existing"] is not null || ((string)resource["type"]!).Contains('/', StringComparison.Ordinal) && ((string)resource["type"]!).Split('/').Length > 2
                    || (string?)resource["type"] is "Microsoft.Authorization/roleAssignments" or "Microsoft.Insights/diagnosticSettings")
                {
                    continue; // child and extension resources have no tags of their own
                }
                Assert.True(resource["tags"] is not null, $"{path}/{symbol} has no tags");
            }
        }
        Assert.Contains("'azd-service-name', 'api'", (string?)Assert.Single(main.Module("api").OfType("Microsoft.Web/sites"))["tags"], StringComparison.Ordinal);
        Assert.Contains("'azd-service-name', 'listeners'", (string?)ContainerApp(main)["tags"], StringComparison.Ordinal);
        var site = Assert.Single(main.Module("api").OfType("Microsoft.Web/sites"));
        Assert.Equal("dotnet-isolated", (string?)site["properties"]!["functionAppConfig"]!["runtime"]!["name"]);
        Assert.Equal("10.0", (string?)site["properties"]!["functionAppConfig"]!["runtime"]!["version"]);
        Assert.Equal("FC1", (string?)Assert.Single(main.Module("api").OfType("Microsoft.Web/serverfarms"))["sku"]!["name"]);
    }

    private static JsonNode? mxRegistryIdentity(ArmTemplate main) =>
        ((JsonArray)MxGroup(main)["properties"]!["imageRegistryCredentials"]!)[0]!["identity"];

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex GuidPattern();

    [GeneratedRegex(@"resourceId\('([^']+)'")]
    private static partial Regex ScopeType();
}
