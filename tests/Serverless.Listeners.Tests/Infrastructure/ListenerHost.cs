using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.Listeners.Hosting;
using Serverless.Mail.Storage;
using Serverless.Testing;

namespace Serverless.Listeners.Tests.Infrastructure;

/// <summary>
/// The real listeners (Kestrel, every port) on free loopback ports against an isolated storage
/// prefix on the test Azurite. Dispose stops them.
/// </summary>
public sealed class ListenerHost : IAsyncDisposable
{
    private ListenerHost(WebApplication app, PortOptions ports)
    {
        App = app;
        Ports = ports;
    }

    public WebApplication App { get; }

    public PortOptions Ports { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>
    /// Starts the listeners on fresh free ports; if one was taken between choosing and binding it
    /// (other test processes run at the same time), tries again with new ones.
    /// </summary>
    /// <param name="services">Registrations added after the listeners' own (e.g. a test <c>ISieveChecker</c>).</param>
    public static async Task<ListenerHost> StartAsync(IDictionary<string, string?>? settings = null, string? prefix = null, string? connectionString = null,
        Action<IServiceCollection>? services = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(settings, prefix, connectionString, services);
            }
            catch (IOException e) when (attempt < 5 && e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
            }
        }
    }

    private static async Task<ListenerHost> StartOnceAsync(IDictionary<string, string?>? settings, string? prefix, string? connectionString, Action<IServiceCollection>? services)
    {
        var ports = new PortOptions
        {
            Smtp = AzuriteProcess.FreePort(),
            Submission = AzuriteProcess.FreePort(),
            Submissions = AzuriteProcess.FreePort(),
            Imap = AzuriteProcess.FreePort(),
            Imaps = AzuriteProcess.FreePort(),
            Pop3 = AzuriteProcess.FreePort(),
            Pop3s = AzuriteProcess.FreePort(),
            ManageSieve = AzuriteProcess.FreePort(),
        };
        var config = await TestStorage.SettingsAsync(prefix, connectionString);
        config["Mail:Listeners:HostName"] = "mail.test";
        config["Mail:Listeners:Ports:Smtp"] = ports.Smtp.ToString();
        config["Mail:Listeners:Ports:Submission"] = ports.Submission.ToString();
        config["Mail:Listeners:Ports:Submissions"] = ports.Submissions.ToString();
        config["Mail:Listeners:Ports:Imap"] = ports.Imap.ToString();
        config["Mail:Listeners:Ports:Imaps"] = ports.Imaps.ToString();
        config["Mail:Listeners:Ports:Pop3"] = ports.Pop3.ToString();
        config["Mail:Listeners:Ports:Pop3s"] = ports.Pop3s.ToString();
        config["Mail:Listeners:Ports:ManageSieve"] = ports.ManageSieve.ToString();
        config["Mail:Tls:DevelopmentCertificatePath"] = Path.Combine(Path.GetTempPath(), "serverless-mail-test-cert.pfx");
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            config[k] = v;
        }
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddMailListeners();
        services?.Invoke(builder.Services);
        var app = builder.Build();
        await app.Services.GetRequiredService<MailStorage>().EnsureCreatedAsync();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return new ListenerHost(app, ports);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
