using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.DevHost;
using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Serverless.Testing.Outbound;

namespace Serverless.Reliability.Tests.Infrastructure;

/// <summary>
/// The whole local stack in this process — the dev host: every listener on a free loopback port,
/// the function classes polling their queues, the HTTP API — on fresh storage, with two tenants:
/// <list type="bullet">
/// <item>acme (acme.test): mailboxes alice, bob, carol; aliases team → alice+bob, sales → carol.</item>
/// <item>globex (globex.test): mailbox dave; alias ops → dave.</item>
/// </list>
/// Every mailbox's password is <see cref="Password"/>.
/// </summary>
public sealed class MailStack : IAsyncDisposable
{
    public const string Password = "correct horse battery staple";
    public const string AdminKey = "reliability-admin-key-0123456789abcdef";

    private readonly Dictionary<string, MailboxRecord> _mailboxes = new(StringComparer.OrdinalIgnoreCase);

    private MailStack(WebApplication app, TestDnsServer dns, Dictionary<string, string?> settings)
    {
        App = app;
        Dns = dns;
        Settings = settings;
        int Port(string name) => int.Parse(settings[$"Mail:Listeners:Ports:{name}"]!, CultureInfo.InvariantCulture);
        SmtpPort = Port("Smtp");
        SubmissionPort = Port("Submission");
        ImapPort = Port("Imap");
        Pop3Port = Port("Pop3");
        ApiPort = int.Parse(settings["Mail:Api:Port"]!, CultureInfo.InvariantCulture);
    }

    public WebApplication App { get; }

    public TestDnsServer Dns { get; }

    public IReadOnlyDictionary<string, string?> Settings { get; }

    public int SmtpPort { get; }

    public int SubmissionPort { get; }

    public int ImapPort { get; }

    public int Pop3Port { get; }

    public int ApiPort { get; }

    public string AcmeKey { get; private set; } = "";

    public string GlobexKey { get; private set; } = "";

    public T Get<T>() where T : notnull => App.Services.GetRequiredService<T>();

    public MailboxRecord Mailbox(string address) => _mailboxes[address];

    public IEnumerable<MailboxRecord> Mailboxes => _mailboxes.Values;

    /// <summary>
    /// Starts the stack. <paramref name="extra"/> overrides settings (e.g. a storage connection
    /// string through a proxy). Queues retry after 1 s and poison after 5 attempts, as host.json
    /// says but quicker, so fault tests take seconds.
    /// </summary>
    public static async Task<MailStack> StartAsync(IDictionary<string, string?>? extra = null, Action<ILoggingBuilder>? logging = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var dns = new TestDnsServer();
            try
            {
                return await StartOnceAsync(dns, extra, logging);
            }
            catch (Exception e) when (attempt < 4 && (e is System.Net.Sockets.SocketException || e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException
                || e is IOException { InnerException: Microsoft.AspNetCore.Connections.AddressInUseException }))
            {
                // a picked port was taken before it was bound: pick again
                try
                {
                    dns.Dispose();
                }
                catch (AggregateException)
                {
                }
            }
        }
    }

    private static async Task<MailStack> StartOnceAsync(TestDnsServer dns, IDictionary<string, string?>? extra, Action<ILoggingBuilder>? logging)
    {
        var settings = await TestStorage.SettingsAsync();
        settings["Mail:Api:Port"] = AzuriteProcess.FreePort().ToString(CultureInfo.InvariantCulture);
        foreach (var name in new[] { "Smtp", "Submission", "Submissions", "Imap", "Imaps", "Pop3", "Pop3s" })
        {
            settings[$"Mail:Listeners:Ports:{name}"] = AzuriteProcess.FreePort().ToString(CultureInfo.InvariantCulture);
        }
        settings["Mail:Listeners:HostName"] = "mail.reliability.test";
        settings["Mail:Listeners:AllowPlaintextAuthOnLoopback"] = "true";
        settings["Mail:Tls:DevelopmentCertificatePath"] = Path.Combine(Path.GetTempPath(), "serverless-mail-test-cert.pfx");
        settings["Mail:Dns:Servers"] = dns.Setting;
        settings["Mail:DevHost:RunTimers"] = "false";
        settings["Mail:DevHost:Queues:VisibilityTimeout"] = "00:00:01";
        settings["Mail:DevHost:Queues:MaxPollingInterval"] = "00:00:00.500";
        settings["Mail:AdminApiKey"] = AdminKey;
        foreach (var (k, v) in extra ?? new Dictionary<string, string?>())
        {
            settings[k] = v;
        }
        var app = DevHostApp.Build([], b =>
        {
            b.Configuration.AddInMemoryCollection(settings);
            b.Logging.ClearProviders();
            b.Logging.SetMinimumLevel(LogLevel.Warning);
            logging?.Invoke(b.Logging);
        });
        var stack = new MailStack(app, dns, settings);
        await stack.Get<MailStorage>().EnsureCreatedAsync();
        await app.StartAsync();
        await stack.SeedAsync();
        return stack;
    }

    private async Task SeedAsync()
    {
        var directory = Get<MailDirectory>();
        await directory.CreateTenantAsync("acme", "Acme");
        AcmeKey = (await directory.CreateApiKeyAsync("acme")).Plaintext;
        await directory.AddDomainAsync("acme", "acme.test", null);
        foreach (var name in new[] { "alice", "bob", "carol" })
        {
            _mailboxes[$"{name}@acme.test"] = await directory.CreateMailboxAsync("acme", MailAddress.Parse($"{name}@acme.test"), Password, name, 0);
        }
        await directory.CreateAliasAsync("acme", "acme.test", "team", ["alice@acme.test", "bob@acme.test"]);
        await directory.CreateAliasAsync("acme", "acme.test", "sales", ["carol@acme.test"]);

        await directory.CreateTenantAsync("globex", "Globex");
        GlobexKey = (await directory.CreateApiKeyAsync("globex")).Plaintext;
        await directory.AddDomainAsync("globex", "globex.test", null);
        _mailboxes["dave@globex.test"] = await directory.CreateMailboxAsync("globex", MailAddress.Parse("dave@globex.test"), Password, "dave", 0);
        await directory.CreateAliasAsync("globex", "globex.test", "ops", ["dave@globex.test"]);
    }

    /// <summary>The messages in one folder of a mailbox (INBOX by default), with summaries.</summary>
    public async Task<List<IndexedMessage>> MessagesAsync(string address, int folderId = SpecialUse.InboxId)
    {
        var list = new List<IndexedMessage>();
        await foreach (var m in Get<MailboxIndex>().ListMessagesAsync(Mailbox(address).MailboxId, folderId))
        {
            list.Add(m);
        }
        return list;
    }

    /// <summary>An HTTP client for the API with a bearer key (none when null).</summary>
    public HttpClient Api(string? key)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ApiPort}/api/"), Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        try
        {
            Dns.Dispose();
        }
        catch (AggregateException)
        {
        }
    }
}
