using Serverless.Listeners.Tests.Infrastructure;
using Xunit;

namespace Serverless.Listeners.Tests;

public sealed class GreetingTests
{
    [Fact]
    public async Task Every_listener_port_greets_in_its_protocol_in_plaintext_and_implicit_tls()
    {
        await using var host = await ListenerHost.StartAsync();
        Assert.StartsWith("220 mail.test ", await FirstLine(host.Ports.Smtp, tls: false), StringComparison.Ordinal);
        Assert.StartsWith("220 mail.test ", await FirstLine(host.Ports.Submission, tls: false), StringComparison.Ordinal);
        Assert.StartsWith("220 mail.test ", await FirstLine(host.Ports.Submissions, tls: true), StringComparison.Ordinal);
        Assert.StartsWith("* OK ", await FirstLine(host.Ports.Imap, tls: false), StringComparison.Ordinal);
        Assert.StartsWith("* OK ", await FirstLine(host.Ports.Imaps, tls: true), StringComparison.Ordinal);
        Assert.StartsWith("+OK ", await FirstLine(host.Ports.Pop3, tls: false), StringComparison.Ordinal);
        Assert.StartsWith("+OK ", await FirstLine(host.Ports.Pop3s, tls: true), StringComparison.Ordinal);
    }

    private static async Task<string> FirstLine(int port, bool tls)
    {
        await using var wire = await SmtpWire.OpenAsync(port, tls);
        return await wire.ReadReplyLineAsync() ?? "";
    }
}
