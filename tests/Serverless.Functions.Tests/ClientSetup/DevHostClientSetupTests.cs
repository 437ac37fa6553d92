using System.Net;
using System.Text;
using System.Xml.Linq;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Serverless.Testing;
using Serverless.Testing.Stack;
using Xunit;

namespace Serverless.Functions.Tests.ClientSetup;

/// <summary>
/// The dev host as <c>./run.sh</c> starts it: the demo mailbox logs in over IMAPS and submission at
/// once after a fresh start and keeps its password across a restart, and the client-setup paths
/// answer at the root of port 7071 by the Host header (or <c>?domain=</c>) with the listeners' ports.
/// </summary>
public sealed class DevHostClientSetupTests
{
    [Fact]
    public async Task A_fresh_start_creates_the_demo_login_which_works_over_imaps_and_submission_at_once_and_after_a_restart()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "demo-data-" + Guid.NewGuid().ToString("N"));
        var passwordFile = Path.Combine(dataDir, "demo-password");
        var storage = await TestStorage.SettingsAsync();
        try
        {
            string password;
            await using (var stack = await Start(storage, passwordFile))
            {
                password = (await File.ReadAllTextAsync(passwordFile)).Trim();
                Assert.True(password.Length >= 10, password);
                await LogInAsync(stack, password);
            }
            // A restart on the same storage and data directory: the same login.
            await using (var stack = await Start(storage, passwordFile))
            {
                Assert.Equal(password, (await File.ReadAllTextAsync(passwordFile)).Trim());
                await LogInAsync(stack, password);
            }
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task The_dev_host_serves_autoconfig_autodiscover_and_mta_sts_at_the_root_by_host_header_or_domain_parameter()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "demo-data-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var stack = await Start(await TestStorage.SettingsAsync(), Path.Combine(dataDir, "demo-password"));
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{stack.ApiPort}") };

            using var autoconfig = new HttpRequestMessage(HttpMethod.Get, "/mail/config-v1.1.xml?emailaddress=demo@demo.test");
            autoconfig.Headers.Host = "autoconfig.demo.test";
            var config = XDocument.Parse(await (await http.SendAsync(autoconfig)).Content.ReadAsStringAsync());
            var imaps = config.Root!.Element("emailProvider")!.Elements("incomingServer").First();
            Assert.Equal(("imap", stack.Port("Imaps").ToString(), "SSL"), (imaps.Attribute("type")!.Value, imaps.Element("port")!.Value, imaps.Element("socketType")!.Value));
            var smtp = config.Root!.Element("emailProvider")!.Elements("outgoingServer").First();
            Assert.Equal(stack.Port("Submissions").ToString(), smtp.Element("port")!.Value);

            // The same document for ?domain= (no Host header to set) and on the well-known path.
            var byParameter = await http.GetStringAsync(new Uri("/mail/config-v1.1.xml?domain=demo.test", UriKind.Relative));
            Assert.Equal(config.ToString(), XDocument.Parse(byParameter).ToString());
            var wellKnown = await http.GetStringAsync(new Uri("/.well-known/autoconfig/mail/config-v1.1.xml?domain=demo.test", UriKind.Relative));
            Assert.Equal(config.ToString(), XDocument.Parse(wellKnown).ToString());

            using var mtaSts = new HttpRequestMessage(HttpMethod.Get, "/.well-known/mta-sts.txt");
            mtaSts.Headers.Host = "mta-sts.demo.test";
            var policy = await http.SendAsync(mtaSts);
            Assert.Equal(HttpStatusCode.OK, policy.StatusCode);
            Assert.StartsWith("version: STSv1\r\nmode: testing\r\n", await policy.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            using var pox = new HttpRequestMessage(HttpMethod.Post, "/autodiscover/autodiscover.xml")
            {
                Content = new StringContent(
                    """<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>demo@demo.test</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>""",
                    Encoding.UTF8, "text/xml"),
            };
            pox.Headers.Host = "autodiscover.demo.test";
            var discovered = XDocument.Parse(await (await http.SendAsync(pox)).Content.ReadAsStringAsync());
            XNamespace a = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";
            Assert.Equal(stack.Port("Imaps").ToString(), discovered.Descendants(a + "Protocol").First(p => p.Element(a + "Type")!.Value == "IMAP").Element(a + "Port")!.Value);

            using var unknown = new HttpRequestMessage(HttpMethod.Get, "/.well-known/mta-sts.txt");
            unknown.Headers.Host = "mta-sts.unknown.test";
            Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(unknown)).StatusCode);
            // The API stays under /api.
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/api/health", UriKind.Relative))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri("/health", UriKind.Relative))).StatusCode);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static Task<DevHostStack> Start(Dictionary<string, string?> storage, string passwordFile) =>
        DevHostStack.StartAsync(new DevHostStackOptions
        {
            HostName = "localhost",
            Storage = () => Task.FromResult(new Dictionary<string, string?>(storage)),
            Settings = new Dictionary<string, string?> { ["Mail:DevHost:Demo:PasswordFile"] = passwordFile },
        });

    /// <summary>IMAPS and submission (implicit TLS) at the same time, as a mail client does after setup.</summary>
    private static async Task LogInAsync(DevHostStack stack, string password)
    {
        using var imap = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 };
        using var smtp = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 };
        await Task.WhenAll(
            imap.ConnectAsync("127.0.0.1", stack.Port("Imaps"), SecureSocketOptions.SslOnConnect),
            smtp.ConnectAsync("127.0.0.1", stack.Port("Submissions"), SecureSocketOptions.SslOnConnect));
        await Task.WhenAll(imap.AuthenticateAsync("demo@demo.test", password), smtp.AuthenticateAsync("demo@demo.test", password));
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("demo@demo.test"));
        message.To.Add(MailboxAddress.Parse("demo@demo.test"));
        message.Subject = "hello from the demo";
        message.Body = new TextPart("plain") { Text = "hi" };
        await smtp.SendAsync(message);
        await imap.Inbox.OpenAsync(MailKit.FolderAccess.ReadOnly);
        await smtp.DisconnectAsync(true);
        await imap.DisconnectAsync(true);
    }
}
