using Microsoft.AspNetCore.Server.Kestrel.Core;
using Serverless.Functions;
using Serverless.Listeners.Hosting;
using Serverless.Mail.Storage;

namespace Serverless.DevHost;

/// <summary>
/// The local stand-in for Azure: the listeners plus the function app's classes in one process.
/// HTTP functions are served on <c>Mail:Api:Port</c> (7071) under /api, queue-triggered functions
/// poll the same queues with host.json's settings, timers run on their schedules.
/// With <c>Mail:DevHost:Listeners=false</c> (<c>MAIL_SPLIT=1 ./run.sh</c>) it is the function app
/// alone and the listener program runs as another process, as in Azure.
/// </summary>
public static class DevHostApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // appsettings.json ships next to the binary; relative data paths stay relative to the working directory.
            ContentRootPath = AppContext.BaseDirectory,
        });
        configure?.Invoke(builder);
        TellClientsTheListenerPorts(builder.Configuration);
        FileHereWithoutExpectingTheFeed(builder.Configuration);
        if (!builder.Configuration.GetValue("Mail:DevHost:Listeners", true))
        {
            ServeNoMailPorts(builder.Configuration);
        }
        builder.AddMailListeners();
        builder.Services.AddMailFunctions(builder.Configuration);
        builder.Services.AddHostedService<DemoMailbox>();
        builder.Services.AddMvcCore().AddJsonOptions(_ => { });

        var apiPort = builder.Configuration.GetValue("Mail:Api:Port", 7071);
        var bind = builder.Configuration.GetValue("Mail:Listeners:BindAddress", "127.0.0.1")!;
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Parse(bind), apiPort, o => o.Protocols = HttpProtocols.Http1AndHttp2));

        var catalog = new FunctionCatalog(typeof(FunctionAppSetup).Assembly);
        var hostJson = HostJsonQueueSettings.Load(Path.Combine(AppContext.BaseDirectory, "host.json"))
            .WithOverrides(builder.Configuration.GetSection("Mail:DevHost:Queues"));
        builder.Services.AddSingleton(catalog);
        foreach (var q in catalog.Queue)
        {
            builder.Services.AddSingleton<IHostedService>(sp => new QueueTriggerPoller(q, sp.GetRequiredService<MailStorage>(), hostJson, sp,
                sp.GetRequiredService<ILogger<QueueTriggerPoller>>()));
        }
        if (builder.Configuration.GetValue("Mail:DevHost:RunTimers", true))
        {
            foreach (var t in catalog.Timer)
            {
                builder.Services.AddSingleton<IHostedService>(sp => new TimerTriggerRunner(t, sp, sp.GetRequiredService<ILogger<TimerTriggerRunner>>()));
            }
        }

        var app = builder.Build();
        app.MapMailHealth();
        HttpFunctionRoutes.Map(app, catalog, HttpFunctionRoutes.ReadRoutePrefix(Path.Combine(AppContext.BaseDirectory, "host.json")));
        return app;
    }

    /// <summary>
    /// The listeners' local ports are defaults in code (<see cref="PortOptions"/>), not settings, so
    /// the client configuration (autoconfig, SRV records) would otherwise name the standard ports:
    /// give it the ports this process listens on, unless <c>Mail:Provisioning:ClientPorts</c> says otherwise.
    /// </summary>
    private static void TellClientsTheListenerPorts(ConfigurationManager configuration)
    {
        var ports = configuration.GetSection("Mail:Listeners:Ports").Get<PortOptions>() ?? new PortOptions();
        var defaults = new Dictionary<string, string?>();
        foreach (var (name, port) in new[]
        {
            ("Imaps", ports.Imaps), ("Imap", ports.Imap), ("Submissions", ports.Submissions), ("Submission", ports.Submission),
            ("Pop3s", ports.Pop3s), ("Pop3", ports.Pop3),
        })
        {
            if (configuration[$"Mail:Provisioning:ClientPorts:{name}"] is null)
            {
                defaults[$"Mail:Provisioning:ClientPorts:{name}"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        configuration.AddInMemoryCollection(defaults);
    }

    /// <summary>
    /// The ingest runs in this process: what its own MX queues is filed here and told to this
    /// process's sessions in-process, so a queued hand-off is no reason for the change feed's tail
    /// to read faster (<c>Mail:ChangeFeed:ExpectAfterHandoff</c>, on in the listener program).
    /// </summary>
    private static void FileHereWithoutExpectingTheFeed(ConfigurationManager configuration)
    {
        if (configuration["Mail:ChangeFeed:ExpectAfterHandoff"] is null)
        {
            configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Mail:ChangeFeed:ExpectAfterHandoff"] = "false" });
        }
    }

    /// <summary>
    /// The function app alone: no mail port is bound here (the listener program serves them in its
    /// own process, as the Container App does in Azure), while the client configuration keeps
    /// naming the ports that process listens on.
    /// </summary>
    private static void ServeNoMailPorts(ConfigurationManager configuration)
    {
        var off = new Dictionary<string, string?>();
        foreach (var name in new[] { "Smtp", "Submission", "Submissions", "Imap", "Imaps", "Pop3", "Pop3s", "ManageSieve", "Health" })
        {
            off[$"Mail:Listeners:Ports:{name}"] = "0";
        }
        configuration.AddInMemoryCollection(off);
    }
}
