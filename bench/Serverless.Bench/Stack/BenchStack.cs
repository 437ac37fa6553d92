using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.DevHost;
using Serverless.Mail.Accounts;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Serverless.Testing.Outbound;

namespace Serverless.Bench.Stack;

/// <summary>
/// The local stack in this process: the dev host (every listener + the function classes polling
/// their queues with host.json's settings) on free loopback ports, a DNS server on loopback for
/// SPF/DMARC and MX lookups, and tenant "bench" with domain bench.test. Hosting it here lets the
/// benchmark read the host's own <see cref="StorageRequestMeter"/>.
/// </summary>
internal sealed class BenchStack : IAsyncDisposable
{
    public const string Domain = "bench.test";
    public const string Tenant = "bench";
    public const string Password = "bench-password-1";

    private readonly Dictionary<string, string?> _settings;

    private BenchStack(WebApplication app, TestDnsServer dns, Dictionary<string, string?> settings, int outboundPort)
    {
        App = app;
        Dns = dns;
        _settings = settings;
        OutboundSmtpPort = outboundPort;
    }

    public WebApplication App { get; }

    public TestDnsServer Dns { get; }

    /// <summary>The port remote MX hosts are reached on (the outbound sink listens there).</summary>
    public int OutboundSmtpPort { get; }

    public IReadOnlyDictionary<string, string?> Settings => _settings;

    public string ConnectionString => _settings["Mail:Storage:ConnectionString"]!;

    public string Prefix => _settings["Mail:Storage:Prefix"]!;

    public StorageRequestMeter Meter => Get<StorageRequestMeter>();

    public int Port(string listener) => int.Parse(_settings[$"Mail:Listeners:Ports:{listener}"]!, CultureInfo.InvariantCulture);

    public T Get<T>() where T : notnull => App.Services.GetRequiredService<T>();

    public static async Task<BenchStack> StartAsync(string connectionString, IReadOnlyDictionary<string, string?> extra)
    {
        // Other work on this machine may take a free port between choosing and binding it: choose again.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(connectionString, extra);
            }
            catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException && attempt < 5)
            {
                Console.WriteLine("  a chosen port was taken meanwhile; starting again on others");
            }
        }
    }

    private static async Task<BenchStack> StartOnceAsync(string connectionString, IReadOnlyDictionary<string, string?> extra)
    {
        var dns = new TestDnsServer();
        var outboundPort = AzuriteProcess.FreePort();
        var settings = new Dictionary<string, string?>
        {
            ["Mail:Storage:ConnectionString"] = connectionString,
            ["Mail:Storage:Prefix"] = "b" + Guid.NewGuid().ToString("N")[..8],
            // Logins are verified once and then cached (LoginVerifier), so PBKDF2's cost shows only in
            // the first login of each account; fewer rounds keep mailbox creation quick.
            ["Mail:Security:Pbkdf2Iterations"] = "10000",
            ["Mail:Api:Port"] = Free(),
            ["Mail:Listeners:HostName"] = "mail." + Domain,
            ["Mail:Listeners:AllowPlaintextAuthOnLoopback"] = "true",
            ["Mail:Listeners:MaxConnectionsPerIp"] = "100000",
            ["Mail:Listeners:Ports:Health"] = "0",
            ["Mail:Tls:DevelopmentCertificatePath"] = Path.Combine(Path.GetTempPath(), "serverless-mail-bench-cert.pfx"),
            ["Mail:Dns:Servers"] = dns.Setting,
            ["Mail:Outbound:SmtpPort"] = outboundPort.ToString(CultureInfo.InvariantCulture),
            ["Mail:Outbound:AllowPrivateNetworks"] = "true", // the receiving server is on loopback
            ["Mail:Outbound:RateLimit:PerMailboxPerHour"] = "0",
            ["Mail:Outbound:RateLimit:PerTenantPerHour"] = "0",
            ["Mail:DevHost:RunTimers"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var name in new[] { "Smtp", "Submission", "Submissions", "Imap", "Imaps", "Pop3", "Pop3s" })
        {
            settings[$"Mail:Listeners:Ports:{name}"] = Free();
        }
        foreach (var (k, v) in extra)
        {
            settings[k] = v;
        }
        var app = DevHostApp.Build([], b =>
        {
            b.Configuration.AddInMemoryCollection(settings);
            b.Logging.ClearProviders();
            b.Logging.AddSimpleConsole(o => o.SingleLine = true);
            b.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await app.Services.GetRequiredService<MailStorage>().EnsureCreatedAsync();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            dns.Dispose();
            throw;
        }
        var directory = app.Services.GetRequiredService<MailDirectory>();
        await directory.CreateTenantAsync(Tenant, "Benchmark");
        await directory.AddDomainAsync(Tenant, Domain, null);
        return new BenchStack(app, dns, settings, outboundPort);
    }

    /// <summary>Creates a mailbox (password <see cref="Password"/>) and returns its record.</summary>
    public Task<MailboxRecord> CreateMailboxAsync(string localPart) =>
        Get<MailDirectory>().CreateMailboxAsync(Tenant, MailAddress.Parse($"{localPart}@{Domain}"), Password, null, 0);

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await App.StopAsync(timeout.Token);
        await App.DisposeAsync();
        Dns.Dispose();
    }

    private static string Free() => AzuriteProcess.FreePort().ToString(CultureInfo.InvariantCulture);
}
