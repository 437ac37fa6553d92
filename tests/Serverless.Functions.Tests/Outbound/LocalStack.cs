using System.Globalization;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Accounts;
using Serverless.Testing.Outbound;
using Serverless.Testing.Stack;

namespace Serverless.Functions.Tests.Outbound;

/// <summary>
/// The whole local stack for outbound tests: the dev host (listeners + function classes polling
/// their queues) on free ports and fresh storage, a DNS server on loopback for the relay, and a
/// tenant "acme" with sender.test and the mailbox alice@sender.test. Not started: a test starts
/// <see cref="App"/> once its receiving servers are ready.
/// </summary>
internal sealed class LocalStack : IAsyncDisposable
{
    public const string Password = "correct horse battery";

    private readonly DevHostStack _stack;

    private LocalStack(DevHostStack stack) => _stack = stack;

    public WebApplication App => _stack.App;

    public TestDnsServer Dns => _stack.Dns;

    public int SubmissionPort => _stack.Port("Submission");

    /// <summary>The MX listener, as other mail servers reach it.</summary>
    public int MxPort => _stack.Port("Smtp");

    /// <summary>The port the relay delivers to (receiving test servers listen on it).</summary>
    public int SmtpPort => int.Parse(_stack.Settings["Mail:Outbound:SmtpPort"]!, CultureInfo.InvariantCulture);

    public static async Task<LocalStack> StartAsync(IDictionary<string, string?>? extra = null)
    {
        var stack = await DevHostStack.StartAsync(new DevHostStackOptions
        {
            HostName = "mail.sender.test",
            Settings = new Dictionary<string, string?>
            {
                ["Mail:Outbound:SmtpPort"] = DevHostStack.FreePort(),
                ["Mail:Outbound:AllowPrivateNetworks"] = "true", // the receiving servers are on loopback
            },
            Extra = extra,
        });
        var directory = stack.Get<MailDirectory>();
        await directory.CreateTenantAsync("acme", "Acme");
        await directory.AddDomainAsync("acme", "sender.test", null);
        await directory.CreateMailboxAsync("acme", MailAddress.Parse("alice@sender.test"), Password, "Alice", 0);
        await directory.CreateMailboxAsync("acme", MailAddress.Parse("bob@sender.test"), Password, "Bob", 0);
        return new LocalStack(stack);
    }

    public T Get<T>() where T : notnull => _stack.Get<T>();

    /// <summary>A client logged in to the submission port (STARTTLS with the development certificate, then AUTH).</summary>
    public async Task<SmtpClient> SubmitterAsync(string login = "alice@sender.test")
    {
        var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 };
        await client.ConnectAsync("127.0.0.1", SubmissionPort, SecureSocketOptions.StartTls);
        await client.AuthenticateAsync(login, Password);
        return client;
    }

    public ValueTask DisposeAsync() => _stack.DisposeAsync();
}
