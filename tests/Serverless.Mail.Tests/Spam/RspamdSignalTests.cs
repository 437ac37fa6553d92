using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Mail.Spam;
using Serverless.Mail.Spam.Signals;
using Serverless.Testing.Spam;
using Xunit;

namespace Serverless.Mail.Tests.Spam;

/// <summary>Rspamd's /checkv2 against a loopback server that answers in its documented JSON; silence and errors are no signal.</summary>
public sealed class RspamdSignalTests
{
    private static readonly byte[] Raw = Encoding.ASCII.GetBytes("From: a@sender.test\r\nSubject: hi\r\n\r\nbody\r\n");

    private static SpamSubject Subject() => new()
    {
        Connection = new SpamConnection(IPAddress.Parse("192.0.2.7"), "mx.sender.test", "a@sender.test"),
        Raw = Raw,
        Recipients = [new SpamRecipient("u@acme.test", "acme", []), new SpamRecipient("v@acme.test", "acme", [])],
        QueueId = "q123",
    };

    private static RspamdSignal Signal(string url, double weight = 1, TimeSpan? timeout = null) => new(new SpamOptions
    {
        RspamdUrl = new Uri(url),
        RspamdWeight = weight,
        RspamdTimeout = timeout ?? TimeSpan.FromSeconds(2),
    }, NullLogger<RspamdSignal>.Instance);

    [Fact]
    public async Task The_message_and_its_envelope_go_to_checkv2_and_the_weighted_score_comes_back()
    {
        await using var rspamd = new TestRspamdServer(6.5);
        var signal = Signal(rspamd.Url, weight: 0.8);
        Assert.Equal([new SpamTest("RSPAMD", 5.2)], await signal.CheckAsync(Subject(), default));
        var (path, headers, body) = Assert.Single(rspamd.Requests);
        Assert.Equal("/checkv2", path);
        Assert.Equal(Raw, body);
        string One(string name) => Assert.Single(TestRspamdServer.Values(headers, name));
        Assert.Equal(("192.0.2.7", "mx.sender.test", "a@sender.test", "q123"), (One("IP"), One("Helo"), One("From"), One("Queue-Id")));
        Assert.Equal(["u@acme.test", "v@acme.test"], TestRspamdServer.Values(headers, "Rcpt")); // one line each, as Rspamd reads them

        var result = await signal.AskAsync(Subject(), default);
        Assert.Equal("add header", result!.Action);
        Assert.Equal(6.5, result.Symbols["FAKE_SYMBOL"]);
    }

    [Fact]
    public async Task A_slow_or_failing_rspamd_is_no_signal_never_a_refusal()
    {
        await using var slow = new TestRspamdServer(100) { Delay = TimeSpan.FromSeconds(5) };
        var impatient = Signal(slow.Url, timeout: TimeSpan.FromMilliseconds(300));
        var started = DateTime.UtcNow;
        Assert.Empty(await impatient.CheckAsync(Subject(), default));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(3));

        await using var failing = new TestRspamdServer(100) { Status = 500 };
        var broken = Signal(failing.Url);
        Assert.Empty(await broken.CheckAsync(Subject(), default));

        var nobody = Signal($"http://127.0.0.1:{Serverless.Testing.AzuriteProcess.FreePort()}/");
        Assert.Empty(await nobody.CheckAsync(Subject(), default));
    }

    [Fact]
    public void Rspamds_reply_is_read_for_score_action_and_symbols()
    {
        var reply = RspamdSignal.Parse("""{"score": -1.5, "action": "no action", "symbols": {"DMARC_POLICY_ALLOW": {"score": -0.5}}}"""u8);
        Assert.Equal(-1.5, reply!.Score);
        Assert.Equal("no action", reply.Action);
        Assert.Equal(-0.5, reply.Symbols["DMARC_POLICY_ALLOW"]);
        Assert.Null(RspamdSignal.Parse("""{"error": "bad request"}"""u8));
    }
}
