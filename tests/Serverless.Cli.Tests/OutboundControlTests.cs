using System.Text;
using System.Text.Json;
using Serverless.Testing.Raw;
using Xunit;
using static Serverless.Cli.Tests.SmailSessionTests;

namespace Serverless.Cli.Tests;

/// <summary>
/// <c>smail outbound hold|release|retry|cancel</c> on a real message in the dev host's relay: submitted
/// to a domain whose DNS fails (SERVFAIL, a temporary failure), so it stays queued between attempts.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class OutboundControlTests(CliStackFixture fixture)
{
    private const string Password = "queue co's long password";
    private readonly SmailRunner _cli = new(fixture.Stack);

    [Fact]
    public async Task Hold_release_and_cancel_print_the_apis_answer_and_a_refused_control_exits_with_the_conflict()
    {
        var key = Json(Ok(await _cli.AdminAsync("tenants", "add", "queueco", "--json"))).GetProperty("apiKey").GetString()!;
        string[] asTenant = ["--api", _cli.ApiUrl, "--key", key, "-t", "queueco"];
        Ok(await _cli.RunAsync([.. asTenant, "domains", "add", "queueco.test"]));
        Ok(await _cli.RunAsync([.. asTenant, "mailboxes", "add", "sender@queueco.test", "--password", Password]));
        fixture.Stack.Dns.SetFailing("unreachable.test");
        await SubmitAsync("sender@queueco.test", "someone@unreachable.test");
        var id = await QueuedIdAsync(asTenant);

        var held = Json(Ok(await _cli.RunAsync([.. asTenant, "outbound", "hold", id, "--json"])));
        Assert.Equal(id, held.GetProperty("id").GetString());
        Assert.True(held.GetProperty("held").GetBoolean());
        Assert.Equal(JsonValueKind.Null, held.GetProperty("nextAttemptAt").ValueKind);

        // Retry while held: the API's 409, one line on stderr, the refusal exit code.
        var retry = await _cli.RunAsync([.. asTenant, "outbound", "retry", id]);
        Assert.True(retry.Code == ExitCodes.Refused, retry.ToString());
        Assert.Equal("", retry.Out);
        Assert.StartsWith("error: 409 Conflict: ", retry.Error, StringComparison.Ordinal);
        Assert.Single(retry.Error.TrimEnd().Split('\n'));

        Assert.Equal($"Message {id} released and queued for an attempt now.", Ok(await _cli.RunAsync([.. asTenant, "outbound", "release", id])).Out.TrimEnd());
        Assert.Equal(ExitCodes.Refused, (await _cli.RunAsync([.. asTenant, "outbound", "release", id])).Code); // not held any more

        // The admin key works on any tenant's queue.
        var cancelled = Json(Ok(await _cli.AdminAsync("outbound", "cancel", id, "-t", "queueco", "--json")));
        Assert.True(cancelled.GetProperty("cancelled").GetBoolean());
        Assert.False(cancelled.GetProperty("held").GetBoolean());
        Assert.StartsWith("error: 409 Conflict: ", (await _cli.RunAsync([.. asTenant, "outbound", "retry", id])).Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Refused, (await _cli.RunAsync([.. asTenant, "outbound", "hold", "no-such-message"])).Code);
    }

    /// <summary>Submits one message over implicit TLS (port Submissions) with AUTH PLAIN.</summary>
    private async Task SubmitAsync(string from, string to)
    {
        await using var smtp = await SmtpWire.ConnectAsync(fixture.Stack.Port("Submissions"), tls: true);
        Expect(250, await smtp.CommandAsync("EHLO client.test"));
        Expect(235, await smtp.CommandAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{from}\0{Password}"))));
        Expect(250, await smtp.CommandAsync($"MAIL FROM:<{from}>"));
        Expect(250, await smtp.CommandAsync($"RCPT TO:<{to}>"));
        Expect(354, await smtp.CommandAsync("DATA"));
        Expect(250, await smtp.CommandAsync($"From: <{from}>\r\nTo: <{to}>\r\nSubject: Queued\r\nMessage-ID: <queued@queueco.test>\r\n\r\nStays in the queue.\r\n."));
        Expect(221, await smtp.CommandAsync("QUIT"));
    }

    private static void Expect(int code, SmtpWireReply reply) => Assert.True(reply.Code == code, reply.ToString());

    /// <summary>The id of the tenant's one message, once the outbound listing shows it (polled: the submission and the relay run on their own).</summary>
    private async Task<string> QueuedIdAsync(string[] asTenant)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var items = Json(Ok(await _cli.RunAsync([.. asTenant, "outbound", "list", "--json"]))).GetProperty("items");
            if (items.GetArrayLength() == 1)
            {
                return items[0].GetProperty("id").GetString()!;
            }
            Assert.True(DateTime.UtcNow < deadline, "the submitted message never showed in the outbound listing");
            await Task.Delay(100);
        }
    }
}
