using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.DevHost;
using Serverless.Listeners.Hosting;
using Serverless.Mail.Accounts;
using Serverless.Mail.Feed;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Serverless.Testing.Outbound;
using Xunit;

namespace Serverless.Functions.Tests.Imap;

/// <summary>
/// <c>MAIL_SPLIT=1 ./run.sh</c>'s two processes with the same settings, as in Azure: the dev host
/// with <c>Mail:DevHost:Listeners=false</c> (function classes and API only, no mail port bound) and
/// the listener program. Mail to the listeners' MX is filed by the dev host's ingest and wakes an
/// IDLE client on the listeners through the change feed; their folder poll is ten minutes here.
/// </summary>
public sealed class SplitStackTests : IAsyncLifetime
{
    private const string Password = "pw-split-1234";
    private readonly TestDnsServer _dns = new();
    private WebApplication _functions = null!;
    private WebApplication _listeners = null!;
    private Dictionary<string, string?> _settings = null!;

    public async Task InitializeAsync()
    {
        _settings = await TestStorage.SettingsAsync();
        foreach (var name in new[] { "Smtp", "Submission", "Submissions", "Imap", "Imaps", "Pop3", "Pop3s", "ManageSieve" })
        {
            _settings[$"Mail:Listeners:Ports:{name}"] = AzuriteProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        _settings["Mail:Listeners:HostName"] = "mail.test";
        _settings["Mail:Dns:Servers"] = _dns.Setting;
        _settings["Mail:Imap:IdlePollInterval"] = "00:10:00";
        _settings["Mail:ChangeFeed:PollInterval"] = "00:00:00.250";
        _settings["Mail:ChangeFeed:Enabled"] = "true";
        _settings["Mail:Api:Port"] = AzuriteProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        _settings["Mail:DevHost:RunTimers"] = "false";
        _settings["Mail:Tls:DevelopmentCertificatePath"] = Path.Combine(Path.GetTempPath(), "serverless-mail-test-cert.pfx");

        var functions = new Dictionary<string, string?>(_settings) { ["Mail:DevHost:Listeners"] = "false" };
        _functions = DevHostApp.Build([], b => b.Configuration.AddInMemoryCollection(functions));
        await _functions.Services.GetRequiredService<MailStorage>().EnsureCreatedAsync();
        await _functions.StartAsync();

        // Same ports as the dev host was given: it must have bound none of them, or this would fail.
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(_settings);
        builder.AddMailListeners();
        _listeners = builder.Build();
        await _listeners.StartAsync();

        var directory = _functions.Services.GetRequiredService<MailDirectory>();
        await directory.CreateTenantAsync("acme", "Acme");
        await directory.AddDomainAsync("acme", "example.com", null);
        await directory.CreateMailboxAsync("acme", MailAddress.Parse("reader@example.com"), Password, null, 0);
    }

    public async Task DisposeAsync()
    {
        await _listeners.StopAsync();
        await _listeners.DisposeAsync();
        await _functions.StopAsync();
        await _functions.DisposeAsync();
        _dns.Dispose();
    }

    [Fact]
    public async Task Mail_filed_by_the_function_host_wakes_idle_on_the_listener_process_through_the_change_feed()
    {
        using var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 };
        await client.ConnectAsync("127.0.0.1", Port("Imaps"), SecureSocketOptions.SslOnConnect);
        await client.AuthenticateAsync("reader@example.com", Password);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Inbox.CountChanged += (_, _) => arrived.TrySetResult();
        using var done = new CancellationTokenSource();
        var idle = client.IdleAsync(done.Token);

        await ImapIngestEndToEndTests.SendAsync(_settings, "Subject: split\r\n\r\nhello\r\n");

        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await done.CancelAsync();
        await idle;
        Assert.Equal(1, client.Inbox.Count);
        Assert.True(_functions.Services.GetRequiredService<ChangeFeedWriter>().Written >= 1); // filed by the other process
    }

    private int Port(string name) => int.Parse(_settings[$"Mail:Listeners:Ports:{name}"]!, System.Globalization.CultureInfo.InvariantCulture);
}
