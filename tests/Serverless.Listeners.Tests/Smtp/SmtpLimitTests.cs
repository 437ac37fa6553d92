using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Listeners.Connections;
using Xunit;

namespace Serverless.Listeners.Tests.Smtp;

public sealed class SmtpLimitTests
{
    [Fact]
    public async Task Size_is_enforced_on_mail_from_and_while_streaming_and_the_session_goes_on()
    {
        await using var kit = await SmtpTestKit.StartAsync(new Dictionary<string, string?> { ["Mail:Smtp:MaxMessageSize"] = "2000" });
        await using var wire = await SmtpWire.ConnectAsync(kit.Host.Ports.Smtp);
        var ehlo = await wire.CommandAsync("EHLO client.test");
        Assert.Contains(ehlo.Lines, l => l.EndsWith("SIZE 2000", StringComparison.Ordinal));
        Assert.Equal((552, "5.3.4"), Code(await wire.CommandAsync("MAIL FROM:<a@remote.example> SIZE=2001")));
        Assert.Equal(250, (await wire.CommandAsync("MAIL FROM:<a@remote.example> SIZE=100")).Code);
        await wire.CommandAsync("RCPT TO:<user@example.com>");
        Assert.Equal(354, (await wire.CommandAsync("DATA")).Code);
        var line = new string('x', 98) + "\r\n";
        await wire.SendAsync(string.Concat(Enumerable.Repeat(line, 30)) + ".\r\n");
        Assert.Equal((552, "5.3.4"), Code(await wire.ReadReplyAsync()));
        // Same for BDAT: the chunk is still read, then refused.
        await wire.CommandAsync("MAIL FROM:<a@remote.example>");
        await wire.CommandAsync("RCPT TO:<user@example.com>");
        await wire.SendAsync("BDAT 3000 LAST\r\n" + new string('y', 3000));
        Assert.Equal((552, "5.3.4"), Code(await wire.ReadReplyAsync()));
        Assert.Equal(250, (await wire.CommandAsync("NOOP")).Code);
        Assert.Empty(await kit.InboundAsync());
        Assert.Equal(0, await kit.BlobCountAsync());
    }

    [Fact]
    public async Task Recipients_errors_and_line_length_are_bounded()
    {
        await using var kit = await SmtpTestKit.StartAsync(new Dictionary<string, string?>
        {
            ["Mail:Smtp:MaxRecipients"] = "2",
            ["Mail:Smtp:MaxErrors"] = "4",
        });
        var port = kit.Host.Ports.Smtp;
        await using (var wire = await SmtpWire.ConnectAsync(port))
        {
            await wire.CommandAsync("EHLO client.test");
            await wire.CommandAsync("MAIL FROM:<a@remote.example>");
            Assert.Equal(250, (await wire.CommandAsync("RCPT TO:<user@example.com>")).Code);
            Assert.Equal(250, (await wire.CommandAsync("RCPT TO:<other@example.com>")).Code);
            Assert.Equal((452, "4.5.3"), Code(await wire.CommandAsync("RCPT TO:<team@example.com>")));
            Assert.Equal(500, (await wire.CommandAsync("BOGUS")).Code);
            Assert.Equal(500, (await wire.CommandAsync("BOGUS")).Code);
            await wire.SendAsync("BOGUS\r\n");
            Assert.Equal(500, (await wire.ReadReplyAsync()).Code);
            Assert.Equal((421, "4.7.0"), Code(await wire.ReadReplyAsync()));
            Assert.True(await wire.IsClosedAsync());
        }
        await using (var longLine = await SmtpWire.ConnectAsync(port))
        {
            await longLine.SendAsync("NOOP " + new string('a', 5000) + "\r\n");
            Assert.Equal((500, "5.5.2"), Code(await longLine.ReadReplyAsync()));
            Assert.True(await longLine.IsClosedAsync());
        }
    }

    [Fact]
    public async Task An_idle_session_is_closed_with_421()
    {
        // A listener of its own: a one-second idle limit would race with the commands of other sessions on a loaded machine.
        await using var kit = await SmtpTestKit.StartAsync(new Dictionary<string, string?> { ["Mail:Listeners:IdleTimeout"] = "00:00:01" });
        await using var idle = await SmtpWire.ConnectAsync(kit.Host.Ports.Smtp);
        Assert.Equal((421, "4.4.2"), Code(await idle.ReadReplyAsync()));
        Assert.True(await idle.IsClosedAsync());
    }

    [Fact]
    public async Task Connections_per_address_are_limited_for_every_listener()
    {
        await using var kit = await SmtpTestKit.StartAsync(new Dictionary<string, string?> { ["Mail:Listeners:MaxConnectionsPerIp"] = "2" });
        await using var first = await SmtpWire.ConnectAsync(kit.Host.Ports.Smtp);
        await using var second = await SmtpWire.ConnectAsync(kit.Host.Ports.Submission);
        await using var third = await SmtpWire.OpenAsync(kit.Host.Ports.Smtp);
        Assert.Equal((421, "4.7.0"), Code(await third.ReadReplyAsync()));
        Assert.True(await third.IsClosedAsync());
        await using var pop = await SmtpWire.OpenAsync(kit.Host.Ports.Pop3);
        Assert.StartsWith("-ERR [SYS/TEMP] Too many connections", await pop.ReadToEndAsync(), StringComparison.Ordinal);
        await first.CommandAsync("QUIT");
        Assert.True(await first.IsClosedAsync());
        var limiter = kit.Host.Services.GetRequiredService<ConnectionLimiter>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (limiter.OpenFrom(System.Net.IPAddress.Loopback) > 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        await using var again = await SmtpWire.ConnectAsync(kit.Host.Ports.Smtp);
        Assert.Equal(250, (await again.CommandAsync("NOOP")).Code);
    }

    private static (int, string) Code(SmtpWireReply reply) => (reply.Code, reply.Enhanced);
}

/// <summary>Runs alone (no other test allocating in this process), so the heap it watches is the listener's.</summary>
[CollectionDefinition(nameof(MemoryMeasurement), DisableParallelization = true)]
public sealed class MemoryMeasurement;

[Collection(nameof(MemoryMeasurement))]
public sealed class SmtpLargeMessageTests
{
    [Fact]
    public async Task A_30_MiB_message_streams_through_with_bounded_memory()
    {
        await using var kit = await SmtpTestKit.StartAsync();
        await using var wire = await SmtpWire.ConnectAsync(kit.Host.Ports.Smtp);
        await wire.CommandAsync("EHLO client.test");
        await wire.CommandAsync("MAIL FROM:<a@remote.example>");
        await wire.CommandAsync("RCPT TO:<user@example.com>");
        Assert.Equal(354, (await wire.CommandAsync("DATA")).Code);

        const long target = 30L * 1024 * 1024;
        var line = Encoding.ASCII.GetBytes(new string('z', 1022) + "\r\n");
        var chunk = new byte[64 * 1024];
        for (var i = 0; i < chunk.Length; i += line.Length)
        {
            line.CopyTo(chunk, i);
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var baseline = GC.GetTotalMemory(true);
        long peak = 0;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(false));
                await Task.Delay(2);
            }
        });
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var header = Encoding.ASCII.GetBytes("Subject: big\r\n\r\n");
        await wire.SendAsync(header);
        hash.AppendData(header);
        long sent = header.Length;
        while (sent < target)
        {
            await wire.SendAsync(chunk);
            hash.AppendData(chunk);
            sent += chunk.Length;
        }
        await wire.SendAsync(".\r\n"u8.ToArray());
        var reply = await wire.ReadReplyAsync();
        stop.Cancel();
        await sampler;
        Assert.Equal(250, reply.Code);
        // Client and server share this process; a buffered message alone would add 30 MiB.
        Assert.True(peak - baseline < 20L * 1024 * 1024, $"heap grew by {(peak - baseline) / 1024 / 1024} MiB");

        var handoff = Assert.Single(await kit.InboundAsync());
        Assert.Null(handoff.Summary); // too big to summarise in the listener: the ingest reads the blob
        var blob = await kit.BlobAsync(handoff.BlobName);
        Assert.Equal(handoff.Size, blob.Length);
        Assert.Equal(hash.GetHashAndReset(), SHA256.HashData(blob.AsSpan((int)(blob.Length - sent))));
    }
}
