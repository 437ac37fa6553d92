using System.Globalization;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.DevHost;
using Serverless.Mail.Accounts;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Serverless.Testing.Outbound;

namespace Serverless.Functions.Tests.Outbound;

/// <summary>
/// The whole local stack for outbound tests: the dev host (listeners + function classes polling
/// their queues) on free ports and fresh storage, a DNS server on loopback for the relay, and a
/// tenant "acme" with sender.test and the mailbox alice@sender.test.
/// </summary>
internal sealed class LocalStack : IAsyncDisposable
{
    public const string Password = "correct horse battery";

    private LocalStack(WebApplication app, TestDnsServer dns, int submissionPort, int smtpPort)
    {
        App = app;
        Dns = dns;
        SubmissionPort = submissionPort;
        SmtpPort = smtpPort;
    }

    public WebApplication App { get; }

    public TestDnsServer Dns { get; }

    public int SubmissionPort { get; }

    /// <summary>The port the relay delivers to (receiving test servers listen on it).</summary>
    public int SmtpPort { get; }

    public static async Task<LocalStack> StartAsync(IDictionary<string, string?>? extra = null)
    {
        var dns = new TestDnsServer();
        var smtpPort = AzuriteProcess.FreePort();
        var settings = await TestStorage.SettingsAsync();
        settings["Mail:Api:Port"] = AzuriteProcess.FreePort().ToString(CultureInfo.InvariantCulture);
        foreach (var name in new[] { "Smtp", "Submission", "Submissions", "Imap", "Imaps", "Pop3", "Pop3s" })
        {
            settings[$"Mail:Listeners:Ports:{name}"] = AzuriteProcess.FreePort().ToString(CultureInfo.InvariantCulture);
        }
        settings["Mail:Listeners:HostName"] = "mail.sender.test";
        settings["Mail:Tls:DevelopmentCertificatePath"] = Path.Combine(Path.GetTempPath(), "serverless-mail-test-cert.pfx");
        settings["Mail:Dns:Servers"] = dns.Setting;
        settings["Mail:Outbound:SmtpPort"] = smtpPort.ToString(CultureInfo.InvariantCulture);
        settings["Mail:Outbound:AllowPrivateNetworks"] = "true"; // the receiving servers are on loopback
        settings["Mail:DevHost:RunTimers"] = "false";
        foreach (var (k, v) in extra ?? new Dictionary<string, string?>())
        {
            settings[k] = v;
        }
        var app = DevHostApp.Build([], b =>
        {
            b.Configuration.AddInMemoryCollection(settings);
            b.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await app.Services.GetRequiredService<MailStorage>().EnsureCreatedAsync();
        var directory = app.Services.GetRequiredService<MailDirectory>();
        await directory.CreateTenantAsync("acme", "Acme");
        await directory.AddDomainAsync("acme", "sender.test", null);
        await directory.CreateMailboxAsync("acme", MailAddress.Parse("alice@sender.test"), Password, "Alice", 0);
        await directory.CreateMailboxAsync("acme", MailAddress.Parse("bob@sender.test"), Password, "Bob", 0);
        var submission = int.Parse(settings["Mail:Listeners:Ports:Submission"]!, CultureInfo.InvariantCulture);
        return new LocalStack(app, dns, submission, smtpPort);
    }

    public T Get<T>() where T : notnull => App.Services.GetRequiredService<T>();

    /// <summary>A client logged in to the submission port (STARTTLS with the development certificate, then AUTH).</summary>
    public async Task<SmtpClient> SubmitterAsync(string login = "alice@sender.test")
    {
        var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 };
        await client.ConnectAsync("127.0.0.1", SubmissionPort, SecureSocketOptions.StartTls);
        await client.AuthenticateAsync(login, Password);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Dns.Dispose();
    }
}
