using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>Before login a client can make the server hold a few KiB of command, not the megabyte a logged-in one may send.</summary>
public sealed class ImapBeforeLoginTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    [Fact]
    public async Task A_command_line_over_8_KiB_before_login_ends_the_connection()
    {
        await using var raw = await host.RawAsync();
        await raw.WriteAsync("a1 NOOP " + new string('x', 9 * 1024) + "\r\n");
        Assert.Equal("* BYE Command line too long", await raw.ReadLineAsync());
        Assert.True(await raw.ClosedAsync());
    }

    [Fact]
    public async Task Literals_before_login_are_refused_past_16_KiB_per_command_before_they_are_sent()
    {
        await using var raw = await host.RawAsync();
        var chunk = new string('p', 7 * 1024);
        await raw.WriteAsync("a1 LOGIN {7168}\r\n");
        Assert.StartsWith("+ ", await raw.ReadLineAsync(), StringComparison.Ordinal);
        await raw.WriteAsync(chunk + " {7168}\r\n");
        Assert.StartsWith("+ ", await raw.ReadLineAsync(), StringComparison.Ordinal);
        await raw.WriteAsync(chunk + " {7168}\r\n");
        // The third would make 21 KiB: refused before the "+", the session goes on.
        Assert.Equal("a1 BAD Literal too large", await raw.ReadLineAsync());
        Assert.Equal(["A001 OK NOOP completed"], await raw.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task An_id_command_with_rfc_2971s_largest_parameter_list_is_answered_before_login_and_a_longer_one_is_not()
    {
        // 30 fields of 30 octets with values of 1024, as imaptest's id test sends them: ~31.8 KB on one line.
        var pairs = Enumerable.Range(0, 30).Select(i => $"\"{i:D2}{new string('f', 28)}\" \"{new string('v', 1024)}\"");
        await using var raw = await host.RawAsync();
        var reply = await raw.CommandAsync("ID (" + string.Join(' ', pairs) + ")");
        Assert.StartsWith("* ID (", reply[0], StringComparison.Ordinal);
        Assert.Equal("A001 OK ID completed", reply[^1]);
        Assert.StartsWith("A002 BAD ", (await raw.CommandAsync("ID (\"f\" \"" + new string('v', 1025) + "\")"))[^1], StringComparison.Ordinal);

        await raw.WriteAsync("a1 ID (\"f\" \"" + new string('v', 33 * 1024) + "\")\r\n");
        Assert.Equal("* BYE Command line too long", await raw.ReadLineAsync());
        Assert.True(await raw.ClosedAsync());
    }

    [Fact]
    public async Task After_login_the_full_command_limits_apply()
    {
        var mailbox = await host.CreateMailboxAsync();
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        var reply = await raw.CommandAsync("NOOP " + new string('x', 9 * 1024));
        Assert.DoesNotContain(reply, l => l.StartsWith("* BYE", StringComparison.Ordinal));
        Assert.Equal("A003 OK NOOP completed", (await raw.CommandAsync("NOOP"))[^1]);
    }
}
