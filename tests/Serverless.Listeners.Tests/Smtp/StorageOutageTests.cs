using Serverless.Testing;
using Xunit;

namespace Serverless.Listeners.Tests.Smtp;

public sealed class StorageOutageTests
{
    [Fact]
    public async Task Storage_down_means_451_and_nothing_queued_then_delivery_resumes_by_itself()
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        await using var kit = await SmtpTestKit.StartAsync(connectionString: azurite.ConnectionString);
        await using (var warm = await SmtpWire.ConnectAsync(kit.Host.Ports.Smtp))
        {
            Assert.Equal(250, (await Send(warm, "before")).Code);
        }

        await using var wire = await SmtpWire.ConnectAsync(kit.Host.Ports.Smtp);
        await wire.CommandAsync("EHLO client.test");
        await wire.CommandAsync("MAIL FROM:<a@remote.example>");
        Assert.Equal(250, (await wire.CommandAsync("RCPT TO:<user@example.com>")).Code);
        await azurite.StopAsync();
        Assert.Equal(354, (await wire.CommandAsync("DATA")).Code);
        await wire.SendAsync("Subject: during\r\n\r\nbody\r\n.\r\n");
        var failed = await wire.ReadReplyAsync();
        Assert.Equal((451, "4.3.0"), (failed.Code, failed.Enhanced));
        // A new recipient cannot be looked up either: a temporary failure, never a 5xx.
        await wire.CommandAsync("MAIL FROM:<a@remote.example>");
        var lookup = await wire.CommandAsync("RCPT TO:<other@example.com>");
        Assert.Equal((451, "4.3.0"), (lookup.Code, lookup.Enhanced));
        await wire.CommandAsync("RSET");

        await azurite.StartAgainAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        SmtpWireReply reply;
        do
        {
            reply = await Send(wire, "after");
        }
        while (reply.Code != 250 && DateTime.UtcNow < deadline);
        Assert.Equal(250, reply.Code);
        var subjects = (await kit.InboundAsync()).Select(h => h.Summary!.Envelope.Subject).ToList();
        Assert.Contains("before", subjects);
        Assert.Contains("after", subjects);
        Assert.DoesNotContain("during", subjects);
    }

    private static async Task<SmtpWireReply> Send(SmtpWire wire, string subject)
    {
        await wire.CommandAsync("EHLO client.test");
        await wire.CommandAsync("MAIL FROM:<a@remote.example>");
        var rcpt = await wire.CommandAsync("RCPT TO:<user@example.com>");
        if (rcpt.Code != 250)
        {
            return rcpt;
        }
        await wire.CommandAsync("DATA");
        await wire.SendAsync($"Subject: {subject}\r\n\r\nbody\r\n.\r\n");
        return await wire.ReadReplyAsync();
    }
}
