using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Serverless.Functions.Http;
using Serverless.Functions.Tests.Provisioning;
using Serverless.Testing.Outbound;
using Xunit;
using static Serverless.Functions.Tests.Provisioning.ApiTestHost;

namespace Serverless.Functions.Tests.ClientSetup;

/// <summary>A raw answer: status, media type, bytes.</summary>
public sealed record RawAnswer(int Status, string ContentType, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public XDocument Xml => XDocument.Parse(Text);
}

/// <summary>
/// The client-setup functions called directly, as the worker calls them: each answer is parsed
/// against the format its client documents (Mozilla's clientConfig 1.1, Microsoft's Autodiscover
/// POX schema and v2 JSON, Apple's property list), and a domain no tenant has verified gets 404.
/// </summary>
public sealed class ClientSetupFunctionTests : IAsyncLifetime
{
    private ApiTestHost _api = null!;

    public async Task InitializeAsync()
    {
        _api = await StartAsync(new Dictionary<string, string?>
        {
            ["Mail:Listeners:HostName"] = "mail.mail.test",
            ["Mail:Provisioning:WebHost"] = "web.mail.test",
            ["Mail:Provisioning:ClientPorts:Pop3"] = "0",
        });
        await Send(Request("POST", AdminKey, new { id = "acme", displayName = "Acme" }), r => _api.Function<TenantsFunction>().Create(r));
        await Send(Request("POST", AdminKey, new { name = "acme.test" }), r => _api.Function<DomainsFunction>().Create(r, "acme"));
        await Send(Request("POST", AdminKey, new { address = "alice@acme.test", password = "a long password", displayName = "Alice" }),
            r => _api.Function<MailboxesFunction>().Create(r, "acme"));
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Thunderbird_autoconfig_follows_mozillas_clientconfig_format_on_the_autoconfig_host_and_the_well_known_path()
    {
        var function = _api.Function<ClientSetupFunction>();
        var byHost = await Raw(Get("autoconfig.acme.test", "?emailaddress=alice@acme.test"), r => function.Autoconfig(r));
        var wellKnown = await Raw(Get("acme.test", "?emailaddress=alice%40acme.test"), r => function.WellKnownAutoconfig(r));
        foreach (var answer in new[] { byHost, wellKnown })
        {
            Assert.Equal(200, answer.Status);
            Assert.StartsWith("application/xml", answer.ContentType, StringComparison.Ordinal);
            var root = answer.Xml.Root!;
            Assert.Equal(XName.Get("clientConfig"), root.Name);
            Assert.Equal("1.1", root.Attribute("version")!.Value);
            var provider = root.Element("emailProvider")!;
            Assert.Equal("acme.test", provider.Attribute("id")!.Value);
            Assert.Equal("acme.test", provider.Element("domain")!.Value);
            var servers = provider.Elements().Where(e => e.Name.LocalName is "incomingServer" or "outgoingServer")
                .Select(e => (e.Name.LocalName, Type: e.Attribute("type")!.Value, Host: e.Element("hostname")!.Value, Port: e.Element("port")!.Value,
                    Socket: e.Element("socketType")!.Value, Auth: e.Element("authentication")!.Value, User: e.Element("username")!.Value))
                .ToList();
            // Implicit TLS first; POP3 without TLS is switched off (port 0) and so left out.
            Assert.Equal(
            [
                ("incomingServer", "imap", "mail.mail.test", "993", "SSL", "password-cleartext", "%EMAILADDRESS%"),
                ("incomingServer", "imap", "mail.mail.test", "143", "STARTTLS", "password-cleartext", "%EMAILADDRESS%"),
                ("incomingServer", "pop3", "mail.mail.test", "995", "SSL", "password-cleartext", "%EMAILADDRESS%"),
                ("outgoingServer", "smtp", "mail.mail.test", "465", "SSL", "password-cleartext", "%EMAILADDRESS%"),
                ("outgoingServer", "smtp", "mail.mail.test", "587", "STARTTLS", "password-cleartext", "%EMAILADDRESS%"),
            ], servers);
        }
        Assert.Equal(byHost.Text, wellKnown.Text);
        // ?domain= where the Host header cannot be set.
        Assert.Equal(byHost.Text, (await Raw(Get("127.0.0.1:7071", "?domain=acme.test"), r => function.Autoconfig(r))).Text);
    }

    [Fact]
    public async Task Unknown_and_unverified_domains_get_404_from_every_client_setup_path()
    {
        await using var strict = await StartAsync(new Dictionary<string, string?> { ["Mail:Provisioning:RequireDomainVerification"] = "true" });
        await Send(Request("POST", AdminKey, new { id = "pend" }), r => strict.Function<TenantsFunction>().Create(r));
        var pending = await Send(Request("POST", AdminKey, new { name = "pending.test" }), r => strict.Function<DomainsFunction>().Create(r, "pend"));
        Assert.Equal("pending", pending.Str("status"));
        var function = strict.Function<ClientSetupFunction>();
        foreach (var domain in new[] { "pending.test", "nowhere.test" })
        {
            Assert.Equal(404, (await Raw(Get("autoconfig." + domain, ""), r => function.Autoconfig(r))).Status);
            Assert.Equal(404, (await Raw(Get(domain, ""), r => function.WellKnownAutoconfig(r))).Status);
            Assert.Equal(404, (await Raw(Get("mta-sts." + domain, ""), r => function.MtaSts(r))).Status);
            Assert.Equal(404, (await Raw(Get("autodiscover." + domain, "?Protocol=AutodiscoverV1"), r => function.AutodiscoverJson(r))).Status);
            Assert.Equal(404, (await Raw(Pox("autodiscover." + domain, "someone@" + domain), r => function.AutodiscoverXml(r))).Status);
        }
    }

    [Fact]
    public async Task Autodiscover_pox_answers_in_microsofts_response_schema_with_imap_pop3_and_smtp()
    {
        var function = _api.Function<ClientSetupFunction>();
        var answer = await Raw(Pox("autodiscover.acme.test", "alice@acme.test"), r => function.AutodiscoverXml(r));
        Assert.Equal(200, answer.Status);
        Assert.StartsWith("text/xml", answer.ContentType, StringComparison.Ordinal);
        XNamespace r = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";
        XNamespace a = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";
        var root = answer.Xml.Root!;
        Assert.Equal(r + "Autodiscover", root.Name);
        var account = root.Element(a + "Response")!.Element(a + "Account")!;
        Assert.Equal("email", account.Element(a + "AccountType")!.Value);
        Assert.Equal("settings", account.Element(a + "Action")!.Value);
        var protocols = account.Elements(a + "Protocol").ToDictionary(p => p.Element(a + "Type")!.Value);
        Assert.Equal(["IMAP", "POP3", "SMTP"], protocols.Keys.ToArray());
        Assert.Equal(("mail.mail.test", "993", "on", "alice@acme.test"), Settings(protocols["IMAP"]));
        Assert.Equal(("mail.mail.test", "995", "on", "alice@acme.test"), Settings(protocols["POP3"]));
        Assert.Equal(("mail.mail.test", "465", "on", "alice@acme.test"), Settings(protocols["SMTP"]));
        Assert.Equal("on", protocols["SMTP"].Element(a + "AuthRequired")!.Value);

        // ActiveSync (mobilesync) is not offered: Autodiscover's "Invalid Request" error.
        var activeSync = await Raw(Pox("autodiscover.acme.test", "alice@acme.test", "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006"),
            x => function.AutodiscoverXml(x));
        Assert.Equal("600", activeSync.Xml.Root!.Element(r + "Response")!.Element(r + "Error")!.Element(r + "ErrorCode")!.Value);
        var garbage = await Raw(Post("autodiscover.acme.test", "<not-autodiscover/>"), x => function.AutodiscoverXml(x));
        Assert.Equal("600", garbage.Xml.Descendants(r + "ErrorCode").Single().Value);

        (string, string, string, string) Settings(XElement p) =>
            (p.Element(a + "Server")!.Value, p.Element(a + "Port")!.Value, p.Element(a + "SSL")!.Value, p.Element(a + "LoginName")!.Value);
    }

    [Fact]
    public async Task Autodiscover_v2_json_points_autodiscoverv1_at_the_pox_url_and_refuses_other_protocols()
    {
        var function = _api.Function<ClientSetupFunction>();
        var v1 = await Raw(Get("autodiscover.acme.test", "?Email=alice@acme.test&Protocol=AutodiscoverV1"), r => function.AutodiscoverJson(r));
        Assert.Equal(200, v1.Status);
        var json = JsonDocument.Parse(v1.Body).RootElement;
        Assert.Equal("AutodiscoverV1", json.GetProperty("Protocol").GetString());
        Assert.Equal("https://autodiscover.acme.test/autodiscover/autodiscover.xml", json.GetProperty("Url").GetString());
        var inPath = await Raw(Get("acme.test", "?Protocol=autodiscoverv1"), r => function.AutodiscoverJsonV1(r, "alice@acme.test"));
        Assert.Equal(v1.Text, inPath.Text);
        var ews = await Raw(Get("autodiscover.acme.test", "?Email=alice@acme.test&Protocol=Ews"), r => function.AutodiscoverJson(r));
        Assert.Equal(400, ews.Status);
        Assert.Equal("InvalidProtocol", JsonDocument.Parse(ews.Body).RootElement.GetProperty("ErrorCode").GetString());
    }

    [Fact]
    public async Task The_mta_sts_policy_is_served_on_the_mta_sts_host_as_the_domain_view_announces_it()
    {
        var policy = await Raw(Get("mta-sts.acme.test", ""), r => _api.Function<ClientSetupFunction>().MtaSts(r));
        Assert.Equal(200, policy.Status);
        Assert.StartsWith("text/plain", policy.ContentType, StringComparison.Ordinal);
        // RFC 8461 3.2: key: value lines, CRLF.
        Assert.Equal("version: STSv1\r\nmode: testing\r\nmx: mx.mail.test\r\nmax_age: 604800\r\n", policy.Text);
        var domain = await Send(Request("GET", AdminKey), r => _api.Function<DomainsFunction>().Get(r, "acme", "acme.test"));
        Assert.Equal(domain.Str("mtaStsPolicy"), policy.Text);
        var records = domain.Body.GetProperty("dnsRecords").EnumerateArray().Select(r => (r.GetProperty("type").GetString(), r.GetProperty("name").GetString(), r.GetProperty("value").GetString())).ToList();
        Assert.Contains(("CNAME", "mta-sts.acme.test", "web.mail.test."), records);
        Assert.Contains(records, r => r.Item2 == "_mta-sts.acme.test" && r.Item3!.StartsWith("v=STSv1; id=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_apple_profile_is_a_property_list_with_imap_and_smtp_and_no_password_and_is_signed_when_a_certificate_is_configured()
    {
        var unsigned = await Raw(Request("GET", AdminKey), r => _api.Function<ClientProfileFunction>().Get(r, "acme", "alice@acme.test"));
        Assert.Equal(200, unsigned.Status);
        Assert.Equal("application/x-apple-aspen-config", unsigned.ContentType);
        var plist = unsigned.Xml;
        Assert.Equal("plist", plist.DocumentType!.Name);
        Assert.Equal("-//Apple//DTD PLIST 1.0//EN", plist.DocumentType.PublicId);
        var profile = Dict(plist.Root!.Element("dict")!);
        Assert.Equal("Configuration", profile["PayloadType"].Value);
        Assert.Equal("1", profile["PayloadVersion"].Value);
        Assert.True(Guid.TryParse(profile["PayloadUUID"].Value, out _));
        var account = Dict(profile["PayloadContent"].Elements("dict").Single());
        Assert.Equal("com.apple.mail.managed", account["PayloadType"].Value);
        Assert.Equal("EmailTypeIMAP", account["EmailAccountType"].Value);
        Assert.Equal("alice@acme.test", account["EmailAddress"].Value);
        Assert.Equal("Alice", account["EmailAccountName"].Value);
        Assert.Equal(("mail.mail.test", "993", "true", "alice@acme.test"),
            (account["IncomingMailServerHostName"].Value, account["IncomingMailServerPortNumber"].Value, account["IncomingMailServerUseSSL"].Name.LocalName,
                account["IncomingMailServerUsername"].Value));
        Assert.Equal(("mail.mail.test", "465", "true", "alice@acme.test"),
            (account["OutgoingMailServerHostName"].Value, account["OutgoingMailServerPortNumber"].Value, account["OutgoingMailServerUseSSL"].Name.LocalName,
                account["OutgoingMailServerUsername"].Value));
        Assert.DoesNotContain(account.Keys, k => k.Contains("Password", StringComparison.Ordinal) && k != "OutgoingPasswordSameAsIncomingPassword");
        Assert.DoesNotContain("a long password", unsigned.Text, StringComparison.Ordinal);
        // The same profile again: same UUIDs, so installing it replaces the account.
        Assert.Equal(unsigned.Text, (await Raw(Request("GET", AdminKey), r => _api.Function<ClientProfileFunction>().Get(r, "acme", "alice@acme.test"))).Text);
        Assert.Equal(404, (await Raw(Request("GET", AdminKey), r => _api.Function<ClientProfileFunction>().Get(r, "acme", "nobody@acme.test"))).Status);

        // Signed: CMS SignedData around the same property list, verifiable with the configured certificate.
        using var certificate = TestCertificates.Create("profiles.mail.test");
        var pfx = Path.Combine(Path.GetTempPath(), $"profile-signer-{Guid.NewGuid():N}.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pkcs12, "pfx-password"));
        try
        {
            await using var signing = await StartAsync(new Dictionary<string, string?>
            {
                ["Mail:Listeners:HostName"] = "mail.mail.test",
                ["Mail:Provisioning:ProfileSigningCertificatePath"] = pfx,
                ["Mail:Provisioning:ProfileSigningCertificatePassword"] = "pfx-password",
            });
            await Send(Request("POST", AdminKey, new { id = "acme", displayName = "Acme" }), r => signing.Function<TenantsFunction>().Create(r));
            await Send(Request("POST", AdminKey, new { name = "acme.test" }), r => signing.Function<DomainsFunction>().Create(r, "acme"));
            await Send(Request("POST", AdminKey, new { address = "alice@acme.test", password = "a long password", displayName = "Alice" }),
                r => signing.Function<MailboxesFunction>().Create(r, "acme"));
            var signed = await Raw(Request("GET", AdminKey), r => signing.Function<ClientProfileFunction>().Get(r, "acme", "alice@acme.test"));
            Assert.Equal(200, signed.Status);
            var cms = new SignedCms();
            cms.Decode(signed.Body);
            cms.CheckSignature(verifySignatureOnly: true);
            Assert.Equal(certificate.Thumbprint, cms.SignerInfos[0].Certificate!.Thumbprint);
            Assert.Equal(unsigned.Text, Encoding.UTF8.GetString(cms.ContentInfo.Content));
        }
        finally
        {
            File.Delete(pfx);
        }
    }

    [Fact]
    public void Only_the_client_setup_paths_sit_at_the_root_and_every_other_route_is_under_api()
    {
        // host.json's routePrefix is "": a route without "api/" would be served at the root and left out of the OpenAPI document.
        Assert.Equal(
            [".well-known/autoconfig/mail/config-v1.1.xml", ".well-known/mta-sts.txt", "autodiscover/autodiscover.json",
                "autodiscover/autodiscover.json/v1.0/{address}", "autodiscover/autodiscover.xml", "mail/config-v1.1.xml"],
            HttpRouteTable.Root.Select(r => r.Route).Order(StringComparer.Ordinal).ToArray());
        Assert.Contains(HttpRouteTable.All, r => r.Route == "tenants/{tenant}/domains/{name}/dns-check");
    }

    /// <summary>A plist dict as key → value element.</summary>
    private static Dictionary<string, XElement> Dict(XElement dict)
    {
        var items = dict.Elements().ToList();
        var map = new Dictionary<string, XElement>();
        for (var i = 0; i < items.Count; i += 2)
        {
            Assert.Equal("key", items[i].Name.LocalName);
            map.Add(items[i].Value, items[i + 1]);
        }
        return map;
    }

    internal static HttpRequest Get(string host, string query)
    {
        var request = Request("GET", null, query: query.Length == 0 ? null : query);
        request.Host = new HostString(host);
        return request;
    }

    internal static HttpRequest Post(string host, string body)
    {
        var request = Request("POST", null, body, contentType: "text/xml");
        request.Host = new HostString(host);
        return request;
    }

    internal static HttpRequest Pox(string host, string address, string schema = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a") =>
        Post(host, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
              <Request><EMailAddress>{address}</EMailAddress><AcceptableResponseSchema>{schema}</AcceptableResponseSchema></Request>
            </Autodiscover>
            """);

    internal static async Task<RawAnswer> Raw(HttpRequest request, Func<HttpRequest, Task<IActionResult>> function)
    {
        var result = await function(request);
        var context = request.HttpContext;
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));
        return new RawAnswer(context.Response.StatusCode, context.Response.ContentType ?? "", ((MemoryStream)context.Response.Body).ToArray());
    }
}
