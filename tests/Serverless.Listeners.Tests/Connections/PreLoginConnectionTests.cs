using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Listeners.Connections;
using Serverless.Listeners.Tests.Smtp;
using Serverless.Testing.Raw;
using Xunit;

namespace Serverless.Listeners.Tests.Connections;

/// <summary>Mail:Listeners:MaxUnauthenticatedConnections, over raw connections on loopback.</summary>
public sealed class PreLoginConnectionTests
{
    private static Dictionary<string, string?> TwoPerListener => new() { ["Mail:Listeners:MaxUnauthenticatedConnections"] = "2" };

    [Fact]
    public async Task Imaps_refuses_a_third_connection_before_login_and_a_login_makes_room()
    {
        await using var kit = await SmtpTestKit.StartAsync(TwoPerListener);
        var port = kit.Host.Ports.Imaps;
        await using var first = await SmtpWire.OpenAsync(port, tls: true);
        Assert.StartsWith("* OK", await first.ReadReplyLineAsync(), StringComparison.Ordinal);
        await using var second = await SmtpWire.OpenAsync(port, tls: true);
        Assert.StartsWith("* OK", await second.ReadReplyLineAsync(), StringComparison.Ordinal);

        await using (var third = await SmtpWire.OpenAsync(port, tls: true))
        {
            Assert.StartsWith("* BYE [UNAVAILABLE] Too many connections", await third.ReadReplyLineAsync(), StringComparison.Ordinal);
            Assert.True(await third.IsClosedAsync());
        }
        // The other listeners keep their own count: plain IMAP still greets.
        await using (var plain = await SmtpWire.OpenAsync(kit.Host.Ports.Imap))
        {
            Assert.StartsWith("* OK", await plain.ReadReplyLineAsync(), StringComparison.Ordinal);
        }

        await first.SendAsync($"a LOGIN {kit.User.Address} \"{SmtpTestKit.Password}\"\r\n");
        Assert.StartsWith("a OK", await ReadTaggedAsync(first, "a "), StringComparison.Ordinal);
        Assert.Equal(1, kit.Host.Services.GetRequiredService<PreLoginConnections>().OpenOn("imaps"));
        await using var fourth = await SmtpWire.OpenAsync(port, tls: true);
        Assert.StartsWith("* OK", await fourth.ReadReplyLineAsync(), StringComparison.Ordinal);
        // The logged-in session goes on.
        await first.SendAsync("b NOOP\r\n");
        Assert.StartsWith("b OK", await ReadTaggedAsync(first, "b "), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pop3_refuses_with_sys_temp_and_a_login_makes_room()
    {
        await using var kit = await SmtpTestKit.StartAsync(TwoPerListener);
        var port = kit.Host.Ports.Pop3s;
        await using var first = await SmtpWire.OpenAsync(port, tls: true);
        Assert.StartsWith("+OK", await first.ReadReplyLineAsync(), StringComparison.Ordinal);
        await using var second = await SmtpWire.OpenAsync(port, tls: true);
        Assert.StartsWith("+OK", await second.ReadReplyLineAsync(), StringComparison.Ordinal);
        await using (var third = await SmtpWire.OpenAsync(port, tls: true))
        {
            Assert.StartsWith("-ERR [SYS/TEMP] Too many connections", await third.ReadReplyLineAsync(), StringComparison.Ordinal);
            Assert.True(await third.IsClosedAsync());
        }
        await first.SendAsync($"USER {kit.User.Address}\r\n");
        Assert.StartsWith("+OK", await first.ReadReplyLineAsync(), StringComparison.Ordinal);
        await first.SendAsync($"PASS {SmtpTestKit.Password}\r\n");
        Assert.StartsWith("+OK", await first.ReadReplyLineAsync(), StringComparison.Ordinal);
        await using var fourth = await SmtpWire.OpenAsync(port, tls: true);
        Assert.StartsWith("+OK", await fourth.ReadReplyLineAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submission_answers_421_before_auth_and_auth_makes_room()
    {
        await using var kit = await SmtpTestKit.StartAsync(TwoPerListener);
        var port = kit.Host.Ports.Submissions;
        await using var first = await SmtpWire.ConnectAsync(port, tls: true);
        await using var second = await SmtpWire.ConnectAsync(port, tls: true);
        await using (var third = await SmtpWire.OpenAsync(port, tls: true))
        {
            var refused = await third.ReadReplyAsync();
            Assert.Equal((421, "4.7.0"), (refused.Code, refused.Enhanced));
            Assert.True(await third.IsClosedAsync());
        }
        await first.CommandAsync("EHLO client.test");
        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{kit.User.Address}\0{SmtpTestKit.Password}"));
        Assert.Equal(235, (await first.CommandAsync("AUTH PLAIN " + plain)).Code);
        await using var fourth = await SmtpWire.ConnectAsync(port, tls: true);
        Assert.Equal(250, (await fourth.CommandAsync("NOOP")).Code);
    }

    [Fact]
    public async Task On_the_mx_it_caps_concurrent_connections_until_one_closes()
    {
        await using var kit = await SmtpTestKit.StartAsync(TwoPerListener);
        var port = kit.Host.Ports.Smtp;
        await using var first = await SmtpWire.ConnectAsync(port);
        await using var second = await SmtpWire.ConnectAsync(port);
        await using (var third = await SmtpWire.OpenAsync(port))
        {
            var refused = await third.ReadReplyAsync();
            Assert.Equal((421, "4.7.0"), (refused.Code, refused.Enhanced));
            Assert.True(await third.IsClosedAsync());
        }
        await first.CommandAsync("QUIT");
        Assert.True(await first.IsClosedAsync());
        var gate = kit.Host.Services.GetRequiredService<PreLoginConnections>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (gate.OpenOn("mx") > 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        await using var again = await SmtpWire.ConnectAsync(port);
        Assert.Equal(250, (await again.CommandAsync("NOOP")).Code);
    }

    [Fact]
    public async Task Imaps_gives_the_place_back_when_a_client_leaves_without_logging_in()
    {
        // The slot is given back by the IMAP session disposing its transport (no middleware frame
        // waits for the connection to end): a client that drops the connection must free it.
        await using var kit = await SmtpTestKit.StartAsync(TwoPerListener);
        var port = kit.Host.Ports.Imaps;
        var gate = kit.Host.Services.GetRequiredService<PreLoginConnections>();
        await using var first = await SmtpWire.OpenAsync(port, tls: true);
        Assert.StartsWith("* OK", await first.ReadReplyLineAsync(), StringComparison.Ordinal);
        await using var second = await SmtpWire.OpenAsync(port, tls: true);
        Assert.StartsWith("* OK", await second.ReadReplyLineAsync(), StringComparison.Ordinal);
        Assert.Equal(2, gate.OpenOn("imaps"));

        await first.DisposeAsync(); // the client drops the connection
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (gate.OpenOn("imaps") > 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.Equal(1, gate.OpenOn("imaps"));
        await using var third = await SmtpWire.OpenAsync(port, tls: true);
        Assert.StartsWith("* OK", await third.ReadReplyLineAsync(), StringComparison.Ordinal);

        await second.SendAsync("a LOGOUT\r\n");
        Assert.StartsWith("a OK", await ReadTaggedAsync(second, "a "), StringComparison.Ordinal);
        deadline = DateTime.UtcNow.AddSeconds(10);
        while (gate.OpenOn("imaps") > 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.Equal(1, gate.OpenOn("imaps")); // the third's
    }

    private static async Task<string> ReadTaggedAsync(SmtpWire wire, string tag)
    {
        while (true)
        {
            var line = await wire.ReadReplyLineAsync() ?? throw new InvalidOperationException("connection closed");
            if (line.StartsWith(tag, StringComparison.Ordinal))
            {
                return line;
            }
        }
    }
}
