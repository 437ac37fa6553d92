using System.Text;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Listeners.Tests.Infrastructure;
using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>
/// A real listener (every port, plaintext login allowed from loopback) shared by the tests of a
/// class; each test makes its own mailbox, so tests never see each other's mail.
/// </summary>
public class ImapTestHost : IAsyncLifetime
{
    public const string Password = "correct horse battery staple";
    private int _mailboxes;

    public ListenerHost Host { get; private set; } = null!;

    public string Domain { get; } = "imap" + Guid.NewGuid().ToString("N")[..8] + ".test";

    public MailboxIndex Index => Host.Services.GetRequiredService<MailboxIndex>();

    public MessageStore Messages => Host.Services.GetRequiredService<MessageStore>();

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Mail:Listeners:AllowPlaintextAuthOnLoopback"] = "true",
            ["Mail:Imap:IdlePollInterval"] = "00:00:00.200",
            ["Mail:Imap:NotifyMaxPending"] = "20", // NOTIFY's overflow within reach of a test
        };
        Configure(settings);
        Host = await ListenerHost.StartAsync(settings);
        var directory = Host.Services.GetRequiredService<MailDirectory>();
        await directory.CreateTenantAsync("t1", "Tenant one");
        await directory.AddDomainAsync("t1", Domain, null);
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();

    /// <summary>A fixture for a test class that needs other settings (e.g. a small APPEND limit) overrides this.</summary>
    protected virtual void Configure(IDictionary<string, string?> settings)
    {
    }

    /// <summary>A fresh mailbox with the default folders.</summary>
    public async Task<MailboxRecord> CreateMailboxAsync(long quotaBytes = 0)
    {
        var n = Interlocked.Increment(ref _mailboxes);
        var directory = Host.Services.GetRequiredService<MailDirectory>();
        return await directory.CreateMailboxAsync("t1", MailAddress.Parse($"user{n}@{Domain}"), Password, $"User {n}", quotaBytes);
    }

    /// <summary>Files a raw message the way the ingest does: blob, MimeKit summary, one index append.</summary>
    public async Task<AppendResult> DeliverAsync(MailboxRecord mailbox, string raw, int folderId = SpecialUse.InboxId, IReadOnlyList<string>? flags = null, DateTimeOffset? internalDate = null)
    {
        var bytes = Encoding.UTF8.GetBytes(raw);
        var blob = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
        await using (var writer = Messages.CreateWriter(blob))
        {
            await writer.WriteAsync(bytes);
            await writer.CommitAsync();
        }
        var (summary, _) = await MessageSummaryBuilder.BuildAsync(new MemoryStream(bytes));
        var result = await Index.AppendAsync(mailbox.MailboxId, folderId, new NewMessage
        {
            BlobName = blob,
            Size = bytes.Length,
            InternalDate = internalDate ?? DateTimeOffset.UtcNow,
            Flags = flags ?? [],
            Summary = summary,
        });
        Assert.Equal(AppendOutcome.Appended, result.Outcome);
        return result;
    }

    /// <summary>MailKit over implicit TLS (2993 in production), logged in.</summary>
    public async Task<ImapClient> ConnectAsync(MailboxRecord mailbox)
    {
        var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 };
        await client.ConnectAsync("127.0.0.1", Host.Ports.Imaps, SecureSocketOptions.SslOnConnect);
        await client.AuthenticateAsync(mailbox.Address, Password);
        return client;
    }

    /// <summary>A raw connection on the plaintext port (2143) for transcripts.</summary>
    public Task<RawImap> RawAsync() => RawImap.ConnectAsync(Host.Ports.Imap);

    /// <summary>A fresh mailbox with <paramref name="messages"/> messages and a raw session that has INBOX selected (tags A001-A002 used).</summary>
    public async Task<(MailboxRecord Mailbox, RawImap Raw)> SelectedAsync(int messages)
    {
        var mailbox = await CreateMailboxAsync();
        for (var i = 1; i <= messages; i++)
        {
            await DeliverAsync(mailbox, Message("m" + i));
        }
        var raw = await RawAsync();
        await raw.LoginAsync(mailbox.Address, Password);
        await raw.CommandAsync("SELECT INBOX");
        return (mailbox, raw);
    }

    public static string Message(string subject, string body = "Hello.", string from = "sender@example.org", string to = "user@example.com", string? extraHeaders = null) =>
        $"From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: Fri, 27 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{Guid.NewGuid():N}@example.org>\r\n{extraHeaders}\r\n{body}\r\n";
}
