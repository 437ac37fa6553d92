using Microsoft.Extensions.DependencyInjection;
using Serverless.Listeners.Tests.Infrastructure;
using Serverless.Mail.Accounts;
using Serverless.Mail.Sieve.Scripts;
using Serverless.Testing.Raw;

namespace Serverless.Listeners.Tests.ManageSieve;

/// <summary>Real listeners on Azurite with one mailbox; scripts are compiled by the real Sieve checker.</summary>
internal sealed class ManageSieveTestBed : IAsyncDisposable
{
    public const string Address = "user@sieve.test";
    public const string Password = "correct horse battery";

    private ManageSieveTestBed(ListenerHost host, MailboxRecord mailbox)
    {
        Host = host;
        Mailbox = mailbox;
    }

    public ListenerHost Host { get; }

    public MailboxRecord Mailbox { get; }

    public SieveScripts Scripts => Host.Services.GetRequiredService<SieveScripts>();

    public static async Task<ManageSieveTestBed> StartAsync(bool plaintextOnLoopback = true, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Mail:Listeners:AllowPlaintextAuthOnLoopback"] = plaintextOnLoopback ? "true" : "false",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            all[k] = v;
        }
        var host = await ListenerHost.StartAsync(all);
        var directory = host.Services.GetRequiredService<MailDirectory>();
        await directory.CreateTenantAsync("t", "Tenant");
        await directory.AddDomainAsync("t", "sieve.test", null);
        var mailbox = await directory.CreateMailboxAsync("t", MailAddress.Parse(Address), Password, "User", 0);
        return new ManageSieveTestBed(host, mailbox);
    }

    public Task<RawManageSieveClient> RawAsync() => RawManageSieveClient.ConnectAsync(Host.Ports.ManageSieve);

    /// <summary>Connected and logged in (loopback development setting).</summary>
    public async Task<RawManageSieveClient> LoggedInAsync()
    {
        var client = await RawAsync();
        var ok = await client.LoginAsync(Address, Password);
        return ok.IsOk ? client : throw new InvalidOperationException("Login failed: " + ok.Final);
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
