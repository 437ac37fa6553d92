using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Serverless.Infra.Tests.Infrastructure;
using Serverless.Listeners.Hosting;
using Serverless.Mail.Outbound;
using Serverless.Mail.Provisioning;
using Serverless.Mail.Security;
using Serverless.Mail.Storage;
using Xunit;

namespace Serverless.Infra.Tests;

/// <summary>
/// The settings the Bicep gives each host bind to the options the code reads: a misspelt name
/// would otherwise be ignored silently in Azure and the default (e.g. port 2525) used instead.
/// </summary>
public sealed class ListenerSettingsTests
{
    private static IConfiguration AsConfiguration(IEnumerable<(string Name, string Value)> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s =>
            // Expressions are resolved only in Azure; a placeholder still shows the name binds.
            new KeyValuePair<string, string?>(s.Name.Replace("__", ":", StringComparison.Ordinal), Placeholder(s.Value)))).Build();

    private static string Placeholder(string value) =>
        !value.StartsWith('[') ? value
        : value.StartsWith("[string(", StringComparison.Ordinal) ? "1" // a number rendered as text
        : "resolved-in-azure";

    private static T BindStrictly<T>(IConfiguration configuration, string section) where T : new()
    {
        var options = new T();
        configuration.GetSection(section).Bind(options, o => o.ErrorOnUnknownConfiguration = true);
        return options;
    }

    private static async Task<IEnumerable<(string, string)>> ContainerEnvAsync(string module)
    {
        var template = (await BicepCompilation.MainAsync()).Template().Module(module);
        var container = template.OfType(module == "mx" ? "Microsoft.ContainerInstance/containerGroups" : "Microsoft.App/containerApps").Single();
        var env = module == "mx"
            ? container["properties"]!["containers"]![0]!["properties"]!["environmentVariables"]!
            : container["properties"]!["template"]!["containers"]![0]!["env"]!;
        // A secret comes as a secureValue (the MX's SRS key): its expression stands in for the value.
        return ((JsonArray)env).Select(e => ((string)e!["name"]!, (string)(e["value"] ?? e["secureValue"])!));
    }

    [Theory]
    [InlineData("listeners", 0, 587, 465, 143, 993, 110, 995, 4190)]
    [InlineData("mx", 25, 0, 0, 0, 0, 0, 0, 0)]
    public async Task Container_settings_bind_to_the_listener_options(string module, int smtp, int submission, int submissions, int imap, int imaps, int pop3, int pop3s, int manageSieve)
    {
        var configuration = AsConfiguration(await ContainerEnvAsync(module));
        var listener = BindStrictly<ListenerOptions>(configuration, ListenerOptions.Section);
        Assert.Equal([smtp, submission, submissions, imap, imaps, pop3, pop3s, manageSieve],
            new[] { listener.Ports.Smtp, listener.Ports.Submission, listener.Ports.Submissions, listener.Ports.Imap, listener.Ports.Imaps, listener.Ports.Pop3, listener.Ports.Pop3s, listener.Ports.ManageSieve });
        Assert.Equal(8080, listener.Ports.Health);
        Assert.Equal(80, listener.Ports.Http);
        // ACME: the same two names on both placements (each answers HTTP-01 for the one that resolves to it).
        var acme = BindStrictly<Serverless.Mail.Security.Acme.AcmeOptions>(configuration, Serverless.Mail.Security.Acme.AcmeOptions.Section);
        Assert.Equal(["resolved-in-azure", "resolved-in-azure"], acme.HostNames);
        Assert.Equal("resolved-in-azure", acme.DirectoryUrl);
        Assert.Equal("0.0.0.0", listener.BindAddress);
        Assert.Equal("resolved-in-azure", listener.HostName);

        var storage = BindStrictly<StorageOptions>(configuration, StorageOptions.Section);
        Assert.Equal("resolved-in-azure", storage.AccountName);
        Assert.Equal("resolved-in-azure", storage.ClientId);
        Assert.Null(storage.ConnectionString);
        BindStrictly<SecurityOptions>(configuration, SecurityOptions.Section);
        // The MX checks bounces to SRS addresses at RCPT: it needs the key the function app signs with.
        Assert.Equal(module == "mx" ? "resolved-in-azure" : "", BindStrictly<Serverless.Mail.Forwarding.SrsOptions>(configuration, Serverless.Mail.Forwarding.SrsOptions.Section).Secret);
    }

    [Fact]
    public async Task Only_the_proxied_client_listeners_relax_the_per_ip_limits()
    {
        var proxied = AsConfiguration(await ContainerEnvAsync("listeners"));
        var direct = AsConfiguration(await ContainerEnvAsync("mx"));
        Assert.True(BindStrictly<ListenerOptions>(proxied, ListenerOptions.Section).MaxConnectionsPerIp > new ListenerOptions().MaxConnectionsPerIp);
        // Failed logins behind the ingress are counted per account only (no shared per-IP bucket).
        Assert.True(BindStrictly<ListenerOptions>(proxied, ListenerOptions.Section).ClientAddressesHidden);
        Assert.Equal(new ListenerOptions().MaxConnectionsPerIp, BindStrictly<ListenerOptions>(direct, ListenerOptions.Section).MaxConnectionsPerIp);
        Assert.False(BindStrictly<ListenerOptions>(direct, ListenerOptions.Section).ClientAddressesHidden);
        Assert.Equal(new SecurityOptions().MaxFailuresPerIp, BindStrictly<SecurityOptions>(direct, SecurityOptions.Section).MaxFailuresPerIp);
    }

    [Fact]
    public async Task Function_app_settings_bind_to_the_storage_options_with_managed_identity()
    {
        var template = (await BicepCompilation.MainAsync()).Template().Module("api");
        var settings = (JsonObject)template.OfType("Microsoft.Web/sites/config").Single()["properties"]!;
        var configuration = AsConfiguration(settings.Select(s => (s.Key, (string)s.Value!)));
        var storage = BindStrictly<StorageOptions>(configuration, StorageOptions.Section);
        Assert.Equal("resolved-in-azure", storage.AccountName);
        Assert.Null(storage.ConnectionString);
        var outbound = BindStrictly<OutboundOptions>(configuration, OutboundOptions.Section);
        Assert.Equal("resolved-in-azure", outbound.HeloName);
        Assert.Equal("resolved-in-azure", outbound.SmartHost.Host);
        Assert.Contains("outboundMode", (string)settings["Mail__Outbound__SmartHost__Host"]!, StringComparison.Ordinal);
        var provisioning = BindStrictly<ProvisioningOptions>(configuration, ProvisioningOptions.Section);
        Assert.Equal("resolved-in-azure", provisioning.MailHost);
        Assert.Equal("X-Forwarded-For", provisioning.ClientIpHeader);
        Assert.Equal("[parameters('mxHostName')]", (string?)settings["Mail__Provisioning__MailHost"]);
        // Secrets arrive as Key Vault references, never as values.
        Assert.StartsWith("[format('@Microsoft.KeyVault(VaultName={0};SecretName='", (string?)template.Variables["kvRef"], StringComparison.Ordinal);
        foreach (var (secret, name) in new[] { ("Mail__AdminApiKey", "mail-admin-api-key"), ("Mail__Srs__Secret", "mail-srs-secret"), ("Mail__Outbound__SmartHost__Password", "smarthost-password"), ("Mail__Outbound__SmartHost__UserName", "smarthost-username"), ("Mail__Outbound__SmartHost__Host", "smarthost-host") })
        {
            Assert.Contains($"format('{{0}}{name})', variables('kvRef'))", (string)settings[secret]!, StringComparison.Ordinal);
        }
    }
}
