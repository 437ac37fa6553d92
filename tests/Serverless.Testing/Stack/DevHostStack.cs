using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.DevHost;
using Serverless.Mail.Storage;
using Serverless.Testing.Outbound;

namespace Serverless.Testing.Stack;

/// <summary>What one local stack differs in; the rest is <see cref="DevHostStack"/>'s.</summary>
public sealed class DevHostStackOptions
{
    /// <summary>The listeners' host name (greetings, the TLS certificate's subject).</summary>
    public required string HostName { get; init; }

    /// <summary>Storage settings (connection string, prefix, PBKDF2 rounds), asked for again on each attempt; by default fresh storage on the test Azurite.</summary>
    public Func<Task<Dictionary<string, string?>>> Storage { get; init; } = () => TestStorage.SettingsAsync();

    /// <summary>The stack's own settings, on top of the common ones.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>A caller's overrides (e.g. a connection string through a proxy), applied last.</summary>
    public IEnumerable<KeyValuePair<string, string?>>? Extra { get; init; }

    /// <summary>The development certificate's file in the temp folder (created on first use).</summary>
    public string CertificateFile { get; init; } = "serverless-mail-test-cert.pfx";

    /// <summary>Services registered before the stack's own (which are added with TryAdd), e.g. a test's script source.</summary>
    public Action<IServiceCollection>? Services { get; init; }

    /// <summary>Logging beyond "warnings and up" (e.g. clear the providers, add a capture).</summary>
    public Action<ILoggingBuilder>? Logging { get; init; }

    /// <summary>Whether the host is started (listeners bound, queue pollers running) before it is returned.</summary>
    public bool Start { get; init; } = true;

    /// <summary>Called when a chosen port was taken before it was bound and the stack starts again on others.</summary>
    public Action? Retrying { get; init; }

    /// <summary>How long stopping may take when the stack is disposed; none by default.</summary>
    public TimeSpan? StopTimeout { get; init; }
}

/// <summary>
/// The whole local stack in this process — the dev host: every listener on a free loopback port,
/// the function classes polling their queues, the HTTP API — on its own storage, with a DNS server
/// on loopback and the development certificate. The functions tests, the reliability tests and the
/// benchmark each put their tenants on one of these.
/// </summary>
public sealed class DevHostStack : IAsyncDisposable
{
    private static readonly string[] Listeners = ["Smtp", "Submission", "Submissions", "Imap", "Imaps", "Pop3", "Pop3s", "ManageSieve"];
    private readonly TimeSpan? _stopTimeout;

    private DevHostStack(WebApplication app, TestDnsServer dns, Dictionary<string, string?> settings, TimeSpan? stopTimeout)
    {
        App = app;
        Dns = dns;
        Settings = settings;
        _stopTimeout = stopTimeout;
    }

    public WebApplication App { get; }

    public TestDnsServer Dns { get; }

    public IReadOnlyDictionary<string, string?> Settings { get; }

    public int ApiPort => int.Parse(Settings["Mail:Api:Port"]!, CultureInfo.InvariantCulture);

    /// <summary>The port of a listener by its settings name (Smtp, Submission, Imap, Pop3s, ...).</summary>
    public int Port(string listener) => int.Parse(Settings[$"Mail:Listeners:Ports:{listener}"]!, CultureInfo.InvariantCulture);

    public T Get<T>() where T : notnull => App.Services.GetRequiredService<T>();

    public static async Task<DevHostStack> StartAsync(DevHostStackOptions options)
    {
        // Other work on this machine may take a free port between choosing and binding it: choose again.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(options);
            }
            catch (Exception e) when (attempt < 5 && (e is System.Net.Sockets.SocketException || e.InnerException is AddressInUseException
                || e is IOException { InnerException: AddressInUseException }))
            {
                options.Retrying?.Invoke();
            }
        }
    }

    private static async Task<DevHostStack> StartOnceAsync(DevHostStackOptions options)
    {
        var dns = new TestDnsServer();
        var settings = await options.Storage();
        settings["Mail:Api:Port"] = FreePort();
        foreach (var name in Listeners)
        {
            settings[$"Mail:Listeners:Ports:{name}"] = FreePort();
        }
        settings["Mail:Listeners:HostName"] = options.HostName;
        settings["Mail:Tls:DevelopmentCertificatePath"] = Path.Combine(Path.GetTempPath(), options.CertificateFile);
        settings["Mail:Dns:Servers"] = dns.Setting;
        settings["Mail:DevHost:RunTimers"] = "false";
        // As ./run.sh does: domains created through the API are verified at once unless a test asks otherwise.
        settings["Mail:Provisioning:RequireDomainVerification"] = "false";
        foreach (var (k, v) in options.Settings.Concat(options.Extra ?? []))
        {
            settings[k] = v;
        }
        var app = DevHostApp.Build([], b =>
        {
            b.Configuration.AddInMemoryCollection(settings);
            b.Logging.SetMinimumLevel(LogLevel.Warning);
            options.Logging?.Invoke(b.Logging);
            options.Services?.Invoke(b.Services);
        });
        var stack = new DevHostStack(app, dns, settings, options.StopTimeout);
        try
        {
            await stack.Get<MailStorage>().EnsureCreatedAsync();
            if (options.Start)
            {
                await app.StartAsync();
            }
        }
        catch
        {
            await app.DisposeAsync();
            DisposeDns(dns);
            throw;
        }
        return stack;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(_stopTimeout ?? Timeout.InfiniteTimeSpan);
        await App.StopAsync(timeout.Token);
        await App.DisposeAsync();
        DisposeDns(Dns);
    }

    public static string FreePort() => AzuriteProcess.FreePort().ToString(CultureInfo.InvariantCulture);

    private static void DisposeDns(TestDnsServer dns)
    {
        try
        {
            dns.Dispose();
        }
        catch (AggregateException)
        {
            // the DNS server's loop may end with its socket's error
        }
    }
}
