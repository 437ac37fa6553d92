using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Serverless.Listeners.Tests.Infrastructure;
using Serverless.Mail.Accounts;
using Serverless.Mail.Sieve;
using Serverless.Mail.Sieve.Scripts;
using Serverless.Testing.Raw;

namespace Serverless.Listeners.Tests.ManageSieve;

/// <summary>
/// Stands in for the Sieve language's checker (another part of issue 19): a script is valid unless
/// a line holds the word BROKEN, which is reported with its line number.
/// </summary>
internal sealed class MarkerSieveChecker : ISieveChecker
{
    public SieveCheckResult Check(string script)
    {
        var lines = script.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Contains("BROKEN", StringComparison.Ordinal))
            {
                return new SieveCheckResult(false, i + 1, "unknown command BROKEN");
            }
        }
        return SieveCheckResult.Ok;
    }
}

/// <summary>Real listeners on Azurite with one mailbox and the marker checker.</summary>
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

    public static async Task<ManageSieveTestBed> StartAsync(bool plaintextOnLoopback = true, IDictionary<string, string?>? settings = null, bool checker = true)
    {
        var all = new Dictionary<string, string?>
        {
            ["Mail:Listeners:AllowPlaintextAuthOnLoopback"] = plaintextOnLoopback ? "true" : "false",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            all[k] = v;
        }
        var host = await ListenerHost.StartAsync(all, services: s =>
        {
            if (checker)
            {
                s.TryAddSingleton<ISieveChecker, MarkerSieveChecker>();
            }
        });
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
