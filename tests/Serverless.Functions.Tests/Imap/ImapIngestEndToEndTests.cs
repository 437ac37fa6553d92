using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.DevHost;
using Serverless.Listeners.Hosting;
using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Serverless.Testing.Outbound;
using Xunit;

namespace Serverless.Functions.Tests.Imap;

/// <summary>
/// Mail sent to the MX port and filed by the ingest function reaches IMAP clients that IDLE: at
/// once when the ingest runs in the listener's process (the dev host), and through the folder
/// poll when it runs in another process (as the Function App does in Azure).
/// </summary>
public sealed class ImapIngestEndToEndTests : IAsyncLifetime
{
    private const string Password = "pw-reader-1234";
    private readonly TestDnsServer _dns = new();
    private WebApplication _devHost = null!;
    private WebApplication _listenersOnly = null!;
    private Dictionary<string, string?> _devSettings = null!;
    private Dictionary<string, string?> _listenerSettings = null!;
    private MailboxRecord _reader = null!;

    public async Task InitializeAsync()
    {
        var prefix = TestStorage.NewPrefix();
        _devHost = await StartWithFreePortsAsync(async () =>
        {
            _devSettings = await Settings(prefix);
            _devSettings["Mail:Api:Port"] = AzuriteProcess.FreePort().ToString();
            _devSettings["Mail:DevHost:RunTimers"] = "false";
            var app = DevHostApp.Build([], b => b.Configuration.AddInMemoryCollection(_devSettings));
            await app.Services.GetRequiredService<MailStorage>().EnsureCreatedAsync();
            return app;
        });

        // A second process, in effect: listeners only, with their own services and no ingest.
        _listenersOnly = await StartWithFreePortsAsync(async () =>
        {
            _listenerSettings = await Settings(prefix);
            var builder = WebApplication.CreateSlimBuilder();
            builder.Configuration.AddInMemoryCollection(_listenerSettings);
            builder.AddMailListeners();
            return builder.Build();
        });

        var directory = _devHost.Services.GetRequiredService<MailDirectory>();
        await directory.CreateTenantAsync("acme", "Acme");
        await directory.AddDomainAsync("acme", "example.com", null);
        _reader = await directory.CreateMailboxAsync("acme", MailAddress.Parse("reader@example.com"), Password, null, 0);
    }

    /// <summary>
    /// Starts what <paramref name="build"/> makes, with new ports when one was taken between
    /// <see cref="AzuriteProcess.FreePort"/> and the bind (by a client socket's ephemeral port or
    /// another test running in parallel; CI saw it), as ListenerHost and DevHostStack do.
    /// </summary>
    private static async Task<WebApplication> StartWithFreePortsAsync(Func<Task<WebApplication>> build)
    {
        for (var attempt = 1; ; attempt++)
        {
            var app = await build();
            try
            {
                await app.StartAsync();
                return app;
            }
            catch (IOException e) when (attempt < 5 && e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                await app.DisposeAsync();
            }
        }
    }

    private async Task<Dictionary<string, string?>> Settings(string prefix)
    {
        var settings = await TestStorage.SettingsAsync(prefix);
        foreach (var name in new[] { "Smtp", "Submission", "Submissions", "Imap", "Imaps", "Pop3", "Pop3s", "ManageSieve" })
        {
            settings[$"Mail:Listeners:Ports:{name}"] = AzuriteProcess.FreePort().ToString();
        }
        settings["Mail:Listeners:HostName"] = "mail.test";
        settings["Mail:Dns:Servers"] = _dns.Setting;
        settings["Mail:Imap:IdlePollInterval"] = "00:00:00.250";
        settings["Mail:Tls:DevelopmentCertificatePath"] = Path.Combine(Path.GetTempPath(), "serverless-mail-test-cert.pfx");
        return settings;
    }

    public async Task DisposeAsync()
    {
        await _listenersOnly.StopAsync();
        await _listenersOnly.DisposeAsync();
        await _devHost.StopAsync();
        await _devHost.DisposeAsync();
        _dns.Dispose();
    }

    [Fact]
    public async Task Idle_is_woken_by_a_delivery_through_the_ingest_function_in_the_same_process()
    {
        using var client = await ConnectAsync(_devSettings);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Inbox.CountChanged += (_, _) => arrived.TrySetResult();
        using var done = new CancellationTokenSource();
        var idle = client.IdleAsync(done.Token);

        await SendAsync(_devSettings, "Subject: pushed\r\n\r\nhello\r\n");
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await done.CancelAsync();
        await idle;
        var summary = (await client.Inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope | MessageSummaryItems.UniqueId))[0];
        Assert.Equal("pushed", summary.Envelope!.Subject);

        // The header the ingest stored (trace and Authentication-Results in front) is what IMAP returns, byte for byte.
        var row = (await _devHost.Services.GetRequiredService<MailboxIndex>().GetMessageAsync(_reader.MailboxId, SpecialUse.InboxId, summary.UniqueId.Id))!;
        await using var blob = await _devHost.Services.GetRequiredService<Serverless.Mail.Messages.MessageStore>().OpenReadAsync(row.Source(_reader.MailboxId, SpecialUse.InboxId)); // its row: a small MX message has no blob
        using var bytes = new MemoryStream();
        await blob.CopyToAsync(bytes);
        var header = bytes.ToArray()[..(int)row.Summary!.HeaderLength];
        Assert.Equal(header, Encoding.Latin1.GetBytes(row.Summary.RawHeader!));
        using var stream = await client.Inbox.GetStreamAsync(summary.UniqueId, "HEADER");
        using var fetched = new MemoryStream();
        await stream.CopyToAsync(fetched);
        Assert.Equal(header, fetched.ToArray());
        Assert.StartsWith("Authentication-Results: mail.test", Encoding.ASCII.GetString(header), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Idle_is_woken_by_a_delivery_filed_by_the_ingest_in_another_process()
    {
        using var client = await ConnectAsync(_listenerSettings);
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Inbox.CountChanged += (_, _) => arrived.TrySetResult();
        using var done = new CancellationTokenSource();
        var idle = client.IdleAsync(done.Token);

        await SendAsync(_devSettings, "Subject: polled\r\n\r\nhello\r\n"); // the dev host's ingest files it
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await done.CancelAsync();
        await idle;
        Assert.Equal(1, client.Inbox.Count);
        var summary = (await client.Inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope | MessageSummaryItems.Flags))[0];
        Assert.Equal("polled", summary.Envelope!.Subject);
        Assert.True(summary.Flags!.Value.HasFlag(MessageFlags.Recent));
    }

    private static async Task<ImapClient> ConnectAsync(Dictionary<string, string?> settings)
    {
        var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 };
        await client.ConnectAsync("127.0.0.1", int.Parse(settings["Mail:Listeners:Ports:Imaps"]!, System.Globalization.CultureInfo.InvariantCulture), SecureSocketOptions.SslOnConnect);
        await client.AuthenticateAsync("reader@example.com", Password);
        return client;
    }

    /// <summary>One message to the MX of the stack with these settings, as a remote server sends it (also <see cref="SplitStackTests"/>'s).</summary>
    internal static async Task SendAsync(Dictionary<string, string?> settings, string body)
    {
        await using var wire = await Wire.ConnectAsync(int.Parse(settings["Mail:Listeners:Ports:Smtp"]!, System.Globalization.CultureInfo.InvariantCulture));
        async Task<string> Reply() => (await wire.SmtpReplyAsync() ?? throw new EndOfStreamException()).Last;
        async Task<string> Command(string text) => (await wire.SmtpAsync(text) ?? throw new EndOfStreamException()).Last;
        Assert.StartsWith("220", await Reply(), StringComparison.Ordinal);
        Assert.StartsWith("250", await Command("EHLO client.test"), StringComparison.Ordinal);
        Assert.StartsWith("250", await Command("MAIL FROM:<sender@remote.example>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await Command("RCPT TO:<reader@example.com>"), StringComparison.Ordinal);
        Assert.StartsWith("354", await Command("DATA"), StringComparison.Ordinal);
        Assert.StartsWith("250", await Command("From: sender@remote.example\r\nTo: reader@example.com\r\n" + body + "."), StringComparison.Ordinal);
        await Command("QUIT");
    }
}
