using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>FETCH of message parts and its side effect on \Seen.</summary>
public sealed class ImapFetchTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    [Fact]
    public async Task Fetch_without_peek_sets_seen_and_says_so()
    {
        var (_, raw) = await host.SelectedAsync(1);
        await using var _ = raw;
        var reply = await raw.CommandAsync("FETCH 1 BODY[TEXT]");
        Assert.Equal("* 1 FETCH (BODY[TEXT] {8}\r\nHello.\r\n FLAGS (\\Seen \\Recent))", reply[0]);
        Assert.Equal(["* 1 FETCH (BODY[TEXT] {8}\r\nHello.\r\n)", "A004 OK FETCH completed"], await raw.CommandAsync("FETCH 1 BODY[TEXT]"));
        Assert.Equal(["* 1 FETCH (BODY[TEXT]<2> {3}\r\nllo)", "A005 OK FETCH completed"], await raw.CommandAsync("FETCH 1 BODY.PEEK[TEXT]<2.3>"));
        Assert.Equal(["* 1 FETCH (BODY[TEXT]<100> {0}\r\n)", "A006 OK FETCH completed"], await raw.CommandAsync("FETCH 1 BODY.PEEK[TEXT]<100.3>"));
        Assert.Equal(["* 1 FETCH (BODY[2] NIL)", "A007 OK FETCH completed"], await raw.CommandAsync("FETCH 1 BODY.PEEK[2]"));
    }
}
