using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.DevHost;
using Serverless.Functions.Http;
using Serverless.Mail.Queues;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Xunit;

namespace Serverless.Functions.Tests;

public sealed class DevHostTests
{
    [Fact]
    public async Task The_health_function_answers_when_called_directly()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var function = new HealthFunction(sp.GetRequiredService<MailStorage>());
        var result = await function.Run(new DefaultHttpContext().Request);
        Assert.Equal(200, Assert.IsType<OkObjectResult>(result).StatusCode);
    }

    [Fact]
    public async Task The_dev_host_serves_http_functions_under_api_with_routes_from_their_attributes()
    {
        var apiPort = AzuriteProcess.FreePort();
        var settings = await TestStorage.SettingsAsync();
        settings["Mail:Api:Port"] = apiPort.ToString();
        foreach (var name in new[] { "Smtp", "Submission", "Submissions", "Imap", "Imaps", "Pop3", "Pop3s", "ManageSieve" })
        {
            settings[$"Mail:Listeners:Ports:{name}"] = AzuriteProcess.FreePort().ToString();
        }
        settings["Mail:Tls:DevelopmentCertificatePath"] = Path.Combine(Path.GetTempPath(), "serverless-mail-test-cert.pfx");
        await using var app = DevHostApp.Build([], b => b.Configuration.AddInMemoryCollection(settings));
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}") };
            var health = await http.GetAsync(new Uri("/api/health", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            var body = await health.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("ok", body.GetProperty("status").GetString());
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri("/api/no-such-route", UriKind.Relative))).StatusCode);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task Queue_triggered_functions_delete_on_success_and_go_to_poison_after_max_dequeue_count()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var storage = sp.GetRequiredService<MailStorage>();
        var queue = storage.Queue("testwork");
        var poison = storage.PoisonQueue("testwork");
        await queue.CreateIfNotExistsAsync();
        await poison.CreateIfNotExistsAsync();
        ProbeFunction.Seen.Clear();

        var method = typeof(ProbeFunction).GetMethod(nameof(ProbeFunction.Run))!;
        var function = new QueueFunction("Probe", typeof(ProbeFunction), method, "testwork", method.GetParameters()[0]);
        var settings = new HostJsonQueueSettings(TimeSpan.FromMilliseconds(200), TimeSpan.Zero, 4, 3);
        using var poller = new QueueTriggerPoller(function, storage, settings, sp, NullLogger<QueueTriggerPoller>.Instance);
        await queue.SendMessageAsync("ok-1");
        await queue.SendMessageAsync("fail-always");
        await poller.StartAsync(CancellationToken.None);
        try
        {
            var poisoned = await WaitFor(async () => (await poison.ReceiveMessagesAsync(1)).Value.FirstOrDefault());
            Assert.Equal("fail-always", poisoned.Body.ToString());
            Assert.Equal(3, ProbeFunction.Seen.Count(s => s == "fail-always"));
            Assert.Equal(1, ProbeFunction.Seen.Count(s => s == "ok-1"));
            var left = (await queue.PeekMessagesAsync(10)).Value;
            Assert.Empty(left);
        }
        finally
        {
            await poller.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_message_still_running_does_not_hold_up_the_ones_queued_after_it()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var storage = sp.GetRequiredService<MailStorage>();
        var queue = storage.Queue("testslow");
        await queue.CreateIfNotExistsAsync();
        await storage.PoisonQueue("testslow").CreateIfNotExistsAsync();
        ProbeFunction.Seen.Clear();
        ProbeFunction.Holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ProbeFunction.HoldStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var method = typeof(ProbeFunction).GetMethod(nameof(ProbeFunction.Run))!;
        var function = new QueueFunction("Probe", typeof(ProbeFunction), method, "testslow", method.GetParameters()[0]);
        var settings = new HostJsonQueueSettings(TimeSpan.FromMilliseconds(200), TimeSpan.Zero, 4, 3) { NewBatchThreshold = 2 };
        using var poller = new QueueTriggerPoller(function, storage, settings, sp, NullLogger<QueueTriggerPoller>.Instance);
        await queue.SendMessageAsync("hold");
        await poller.StartAsync(CancellationToken.None);
        try
        {
            await ProbeFunction.HoldStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await queue.SendMessageAsync("ok-after");
            // Processed and deleted while "hold" is still running: the poller fetched again.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!ProbeFunction.Seen.Contains("ok-after"))
            {
                Assert.True(DateTime.UtcNow < deadline, "the message queued behind a running one was never processed");
                await Task.Delay(100);
            }
            Assert.False(ProbeFunction.Holding.Task.IsCompleted);
            ProbeFunction.Holding.SetResult();
            deadline = DateTime.UtcNow.AddSeconds(30);
            while ((await queue.PeekMessagesAsync(10)).Value.Length > 0 || (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the queue was not emptied");
                await Task.Delay(100);
            }
            Assert.Equal(["hold", "ok-after"], ProbeFunction.Seen.Order().ToArray());
        }
        finally
        {
            ProbeFunction.Holding.TrySetResult();
            await poller.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task The_back_off_doubles_up_to_the_maximum_and_a_wake_ends_even_a_long_wait_at_once()
    {
        var backoff = new QueueBackoff(TimeSpan.FromMilliseconds(300));
        backoff.Arm();
        Assert.False(await backoff.WaitAsync(CancellationToken.None));
        Assert.Equal(TimeSpan.FromMilliseconds(200), backoff.Delay);
        Assert.False(await backoff.WaitAsync(CancellationToken.None));
        Assert.Equal(TimeSpan.FromMilliseconds(300), backoff.Delay); // capped at maxPollingInterval

        var waiting = new QueueBackoff(TimeSpan.FromMinutes(10), start: TimeSpan.FromMinutes(10));
        waiting.Arm();
        var wait = waiting.WaitAsync(CancellationToken.None);
        Assert.False(wait.IsCompleted);
        waiting.Wake();
        Assert.True(await wait.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(QueueBackoff.Minimum, waiting.Delay); // woken: the back-off starts over

        // Woken while the receive ran (after Arm, before the wait): the wait does not begin at all.
        waiting = new QueueBackoff(TimeSpan.FromMinutes(10), start: TimeSpan.FromMinutes(10));
        waiting.Arm();
        waiting.Wake();
        Assert.True(await waiting.WaitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));

        // At its minimum (mail is flowing) a wake does not cut the wait short: what is queued meanwhile goes in one batch.
        var flowing = new QueueBackoff(TimeSpan.FromMinutes(10));
        flowing.Arm();
        flowing.Wake();
        Assert.False(await flowing.WaitAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_poller_looks_at_once_when_its_own_process_queued_a_message_instead_of_at_the_end_of_its_back_off()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var storage = sp.GetRequiredService<MailStorage>();
        var queues = sp.GetRequiredService<MailQueues>();
        var queue = storage.Queue(StorageNames.InboundQueue);
        await queue.CreateIfNotExistsAsync();
        await storage.PoisonQueue(StorageNames.InboundQueue).CreateIfNotExistsAsync();
        ProbeFunction.Seen.Clear();
        var method = typeof(ProbeFunction).GetMethod(nameof(ProbeFunction.Run))!;
        var function = new QueueFunction("Probe", typeof(ProbeFunction), method, StorageNames.InboundQueue, method.GetParameters()[0]);
        // Ten minutes at most between empty receives: without the wake, a message queued once the
        // back-off has grown (100 ms doubling: 6.3 s of waits, then 6.4 s more) waits seconds.
        var settings = new HostJsonQueueSettings(TimeSpan.FromMinutes(10), TimeSpan.Zero, 4, 3);
        using var poller = new QueueTriggerPoller(function, storage, settings, sp, NullLogger<QueueTriggerPoller>.Instance);
        await queue.SendMessageAsync("first");
        await poller.StartAsync(CancellationToken.None);
        try
        {
            await WaitSeen("first", TimeSpan.FromSeconds(30));
            await Task.Delay(TimeSpan.FromSeconds(7.5)); // the back-off is in its 6.4 s wait now, or later ones

            var handoff = new InboundHandoff { Id = "wake-" + Guid.NewGuid().ToString("N"), BlobName = "b", MailFrom = "", Recipients = [] };
            await queues.SendInboundAsync(handoff);
            await WaitSeen(handoff.Id, TimeSpan.FromSeconds(3));
        }
        finally
        {
            await poller.StopAsync(CancellationToken.None);
        }
    }

    private static async Task WaitSeen(string text, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!ProbeFunction.Seen.Any(s => s.Contains(text, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"'{text}' was not processed within {within.TotalSeconds} s");
            await Task.Delay(50);
        }
    }

    private static async Task<QueueMessage> WaitFor(Func<Task<QueueMessage?>> probe)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } m)
            {
                return m;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("The message never reached the poison queue.");
    }

    public sealed class ProbeFunction
    {
        public static readonly System.Collections.Concurrent.ConcurrentBag<string> Seen = [];

        public static TaskCompletionSource Holding { get; set; } = new();

        public static TaskCompletionSource HoldStarted { get; set; } = new();

        public async Task Run(string message)
        {
            Seen.Add(message);
            if (message == "hold")
            {
                HoldStarted.TrySetResult();
                await Holding.Task;
                return;
            }
            if (message.StartsWith("fail", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("probe failure");
            }
        }
    }
}
