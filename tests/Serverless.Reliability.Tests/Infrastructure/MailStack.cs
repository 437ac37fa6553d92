using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Testing.Outbound;
using Serverless.Testing.Stack;

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

    private readonly DevHostStack _stack;

    private MailStack(DevHostStack stack) => _stack = stack;

    public WebApplication App => _stack.App;

    public TestDnsServer Dns => _stack.Dns;

    public IReadOnlyDictionary<string, string?> Settings => _stack.Settings;

    public int SmtpPort => _stack.Port("Smtp");

    public int SubmissionPort => _stack.Port("Submission");

    public int ImapPort => _stack.Port("Imap");

    public int Pop3Port => _stack.Port("Pop3");

    public int ApiPort => _stack.ApiPort;

    public string AcmeKey { get; private set; } = "";

    public string GlobexKey { get; private set; } = "";

    public T Get<T>() where T : notnull => _stack.Get<T>();

    public MailboxRecord Mailbox(string address) => _mailboxes[address];

    public IEnumerable<MailboxRecord> Mailboxes => _mailboxes.Values;

    /// <summary>
    /// Starts the stack. <paramref name="extra"/> overrides settings (e.g. a storage connection
    /// string through a proxy). Queues (and a group's failed members) retry after 1 s and poison after 5 attempts, as host.json
    /// says but quicker, so fault tests take seconds.
    /// </summary>
    public static async Task<MailStack> StartAsync(IDictionary<string, string?>? extra = null, Action<ILoggingBuilder>? logging = null)
    {
        var stack = new MailStack(await DevHostStack.StartAsync(new DevHostStackOptions
        {
            HostName = "mail.reliability.test",
            Settings = new Dictionary<string, string?>
            {
                ["Mail:Listeners:AllowPlaintextAuthOnLoopback"] = "true",
                ["Mail:DevHost:Queues:VisibilityTimeout"] = "00:00:01",
                ["Mail:DevHost:Queues:MaxPollingInterval"] = "00:00:00.500",
                ["Mail:Delivery:GroupRetryDelay"] = "00:00:01", // a group's failed member waits like a failed message
                ["Mail:AdminApiKey"] = AdminKey,
            },
            Extra = extra,
            Logging = l =>
            {
                l.ClearProviders();
                logging?.Invoke(l);
            },
        }));
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

    public ValueTask DisposeAsync() => _stack.DisposeAsync();
}
