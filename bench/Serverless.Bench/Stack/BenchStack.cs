using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Serverless.Mail.Accounts;
using Serverless.Mail.Storage;
using Serverless.Testing.Outbound;
using Serverless.Testing.Stack;

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

    private readonly DevHostStack _stack;

    private BenchStack(DevHostStack stack) => _stack = stack;

    public WebApplication App => _stack.App;

    public TestDnsServer Dns => _stack.Dns;

    /// <summary>The port remote MX hosts are reached on (the outbound sink listens there).</summary>
    public int OutboundSmtpPort => int.Parse(Settings["Mail:Outbound:SmtpPort"]!, CultureInfo.InvariantCulture);

    public IReadOnlyDictionary<string, string?> Settings => _stack.Settings;

    public string ConnectionString => Settings["Mail:Storage:ConnectionString"]!;

    public string Prefix => Settings["Mail:Storage:Prefix"]!;

    public StorageRequestMeter Meter => Get<StorageRequestMeter>();

    public int Port(string listener) => _stack.Port(listener);

    public T Get<T>() where T : notnull => _stack.Get<T>();

    public static async Task<BenchStack> StartAsync(string connectionString, IReadOnlyDictionary<string, string?> extra)
    {
        var stack = await DevHostStack.StartAsync(new DevHostStackOptions
        {
            HostName = "mail." + Domain,
            Storage = () => Task.FromResult(new Dictionary<string, string?>
            {
                ["Mail:Storage:ConnectionString"] = connectionString,
                ["Mail:Storage:Prefix"] = "b" + Guid.NewGuid().ToString("N")[..8],
                // Logins are verified once and then cached (LoginVerifier), so PBKDF2's cost shows only in
                // the first login of each account; fewer rounds keep mailbox creation quick.
                ["Mail:Security:Pbkdf2Iterations"] = "10000",
            }),
            Settings = new Dictionary<string, string?>
            {
                ["Mail:Listeners:AllowPlaintextAuthOnLoopback"] = "true",
                ["Mail:Listeners:MaxConnectionsPerIp"] = "100000",
                ["Mail:Listeners:Ports:Health"] = "0",
                ["Mail:Outbound:SmtpPort"] = DevHostStack.FreePort(),
                ["Mail:Outbound:AllowPrivateNetworks"] = "true", // the receiving server is on loopback
                ["Mail:Outbound:RateLimit:PerMailboxPerHour"] = "0",
                ["Mail:Outbound:RateLimit:PerTenantPerHour"] = "0",
                ["Logging:LogLevel:Default"] = "Warning",
            },
            Extra = extra,
            CertificateFile = "serverless-mail-bench-cert.pfx",
            Logging = l =>
            {
                l.ClearProviders();
                l.AddSimpleConsole(o => o.SingleLine = true);
                StageLog.AddTo(l);
            },
            Retrying = () => Console.WriteLine("  a chosen port was taken meanwhile; starting again on others"),
            StopTimeout = TimeSpan.FromSeconds(10),
        });
        // A real zone's "no such record" carries its SOA, whose minimum says how long the answer may be
        // cached (RFC 2308); without one every message would ask again for the sender's SPF and DMARC.
        stack.Dns.NegativeTtl = 300;
        var directory = stack.Get<MailDirectory>();
        await directory.CreateTenantAsync(Tenant, "Benchmark");
        await directory.AddDomainAsync(Tenant, Domain, null);
        return new BenchStack(stack);
    }

    /// <summary>Creates a mailbox (password <see cref="Password"/>) and returns its record.</summary>
    public Task<MailboxRecord> CreateMailboxAsync(string localPart) =>
        Get<MailDirectory>().CreateMailboxAsync(Tenant, MailAddress.Parse($"{localPart}@{Domain}"), Password, null, 0);

    public ValueTask DisposeAsync() => _stack.DisposeAsync();
}
