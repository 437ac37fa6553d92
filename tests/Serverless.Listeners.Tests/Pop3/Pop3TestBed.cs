using System.Text;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Listeners.Tests.Infrastructure;
using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;

namespace Serverless.Listeners.Tests.Pop3;

/// <summary>Real listeners on Azurite with one tenant, one mailbox and helpers to file messages into its INBOX.</summary>
internal sealed class Pop3TestBed : IAsyncDisposable
{
    public const string Address = "user@pop.test";
    public const string Password = "correct horse battery";

    private Pop3TestBed(ListenerHost host, MailboxRecord mailbox)
    {
        Host = host;
        Mailbox = mailbox;
    }

    public ListenerHost Host { get; }

    public MailboxRecord Mailbox { get; }

    public MailboxIndex Index => Host.Services.GetRequiredService<MailboxIndex>();

    public MessageStore Messages => Host.Services.GetRequiredService<MessageStore>();

    public static async Task<Pop3TestBed> StartAsync(bool plaintextOnLoopback = true, IDictionary<string, string?>? settings = null, string? connectionString = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Mail:Listeners:AllowPlaintextAuthOnLoopback"] = plaintextOnLoopback ? "true" : "false",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            all[k] = v;
        }
        var host = await ListenerHost.StartAsync(all, connectionString: connectionString);
        var directory = host.Services.GetRequiredService<MailDirectory>();
        await directory.CreateTenantAsync("t", "Tenant");
        await directory.AddDomainAsync("t", "pop.test", null);
        var mailbox = await directory.CreateMailboxAsync("t", MailAddress.Parse(Address), Password, "User", 0);
        return new Pop3TestBed(host, mailbox);
    }

    /// <summary>Stores a message blob and files it into INBOX, as delivery does. Returns its UID.</summary>
    public Task<long> DeliverAsync(string raw, params string[] flags) => DeliverToAsync(Mailbox.MailboxId, raw, flags);

    /// <summary>Stores a message blob and files it into the INBOX of <paramref name="mailboxId"/>. Returns its UID.</summary>
    public async Task<long> DeliverToAsync(string mailboxId, string raw, params string[] flags)
    {
        var bytes = Encoding.UTF8.GetBytes(raw);
        var name = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
        await using (var writer = Messages.CreateWriter(name))
        {
            await writer.WriteAsync(bytes);
            await writer.CommitAsync();
        }
        var (summary, _) = await MessageSummaryBuilder.BuildAsync(new MemoryStream(bytes));
        var result = await Index.AppendAsync(mailboxId, SpecialUse.InboxId, new NewMessage
        {
            BlobName = name,
            Size = bytes.Length,
            InternalDate = DateTimeOffset.UtcNow,
            Flags = flags,
            Summary = summary,
        });
        return result.Uid;
    }

    /// <summary>Another mailbox of the same tenant (a second maildrop, leased separately).</summary>
    public Task<MailboxRecord> AddMailboxAsync(string address) =>
        Host.Services.GetRequiredService<MailDirectory>().CreateMailboxAsync("t", MailAddress.Parse(address), Password, "Other", 0);

    public static string Message(string subject, string body = "Hello.\r\n") =>
        $"From: Sender <sender@example.org>\r\nTo: {Address}\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@example.org>\r\n\r\n{body}";

    public async Task<List<IndexedMessage>> InboxAsync() =>
        await Index.ListMessagesAsync(Mailbox.MailboxId, SpecialUse.InboxId, includeSummary: false).ToListAsync();

    /// <summary>A MailKit client connected on the STLS port (upgraded to TLS) or the implicit-TLS port.</summary>
    public async Task<Pop3Client> MailKitAsync(bool implicitTls = false, bool login = true)
    {
        var client = new Pop3Client { ServerCertificateValidationCallback = (_, _, _, _) => true };
        if (implicitTls)
        {
            await client.ConnectAsync("127.0.0.1", Host.Ports.Pop3s, SecureSocketOptions.SslOnConnect);
        }
        else
        {
            await client.ConnectAsync("127.0.0.1", Host.Ports.Pop3, SecureSocketOptions.StartTls);
        }
        if (login)
        {
            await client.AuthenticateAsync(Address, Password);
        }
        return client;
    }

    /// <summary>MailKit's IMAP client on the implicit-TLS IMAP port, logged in to the same mailbox.</summary>
    public async Task<ImapClient> ImapAsync()
    {
        var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 };
        await client.ConnectAsync("127.0.0.1", Host.Ports.Imaps, SecureSocketOptions.SslOnConnect);
        await client.AuthenticateAsync(Address, Password);
        return client;
    }

    public Task<RawPop3Client> RawAsync(bool implicitTls = false) =>
        RawPop3Client.ConnectAsync(implicitTls ? Host.Ports.Pop3s : Host.Ports.Pop3, implicitTls);

    /// <summary>Polls until <paramref name="condition"/> holds, failing after a generous deadline.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out waiting until " + what);
            }
            await Task.Delay(50);
        }
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
