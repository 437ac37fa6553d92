using Serverless.Mail.Queues;
using Xunit;

namespace Serverless.Mail.Tests;

public sealed class QueueContractTests
{
    [Fact]
    public void The_inbound_handoff_round_trips_with_its_version()
    {
        var h = new InboundHandoff
        {
            Id = "h1",
            BlobName = "2026/11/27/x.eml",
            Size = 123,
            MailFrom = "",
            Recipients = [new HandoffRecipient { Address = "a@b.test", Notify = "FAILURE", OriginalRecipient = "rfc822;a@b.test" }],
            ReceivedAt = DateTimeOffset.UnixEpoch,
            ClientIp = "192.0.2.1",
            Helo = "mx.example",
            SmtpUtf8 = true,
        };
        var json = System.Text.Json.JsonSerializer.Serialize(h, MailQueues.Json);
        Assert.Contains("\"v\":1", json, StringComparison.Ordinal);
        var back = MailQueues.ParseInbound(json);
        Assert.Equal(h with { Recipients = back.Recipients }, back);
        Assert.Equal(h.Recipients[0], back.Recipients[0]);
        Assert.Throws<FormatException>(() => MailQueues.ParseInbound(json.Replace("\"v\":1", "\"v\":99", StringComparison.Ordinal)));
    }
}
