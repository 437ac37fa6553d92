using Serverless.Reliability.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Serverless.Reliability.Tests.Credentials;

/// <summary>
/// Password guessing is throttled per account and per client address across SMTP AUTH, IMAP and
/// POP3 together (one <c>LoginThrottle</c> per process): with the defaults, 5 failed logins a minute
/// per account and 10 per client IP are checked; after that even the right password is refused with
/// a temporary answer until the minute has passed. The test counts how many wrong guesses each
/// protocol actually checked, mixing protocols, and reports the figure.
/// </summary>
public sealed class LoginThrottleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Failed_logins_are_limited_per_account_and_per_ip_across_all_protocols()
    {
        await using var stack = await MailStack.StartAsync();
        // Per account: bob, wrong passwords by turns over SMTP, POP3 and IMAP until the service stops checking.
        var protocols = new Func<string, string, Task<LoginOutcome>>[]
        {
            async (u, p) => (await LoginProbe.SmtpAsync(stack.SubmissionPort, u, p)).Outcome,
            async (u, p) => (await LoginProbe.Pop3Async(stack.Pop3Port, u, p)).Outcome,
            async (u, p) => (await LoginProbe.ImapAsync(stack.ImapPort, u, p)).Outcome,
        };
        var checkedForBob = 0;
        for (var i = 0; i < 12; i++)
        {
            var outcome = await protocols[i % 3]("bob@acme.test", "wrong-" + i);
            if (outcome == LoginOutcome.Throttled)
            {
                break;
            }
            Assert.Equal(LoginOutcome.Refused, outcome);
            checkedForBob++;
        }
        Assert.Equal(5, checkedForBob);
        foreach (var protocol in protocols)
        {
            Assert.Equal(LoginOutcome.Throttled, await protocol("bob@acme.test", MailStack.Password)); // the right password waits too
        }
        Assert.Equal(LoginOutcome.Accepted, await protocols[2]("alice@acme.test", MailStack.Password)); // other accounts are not affected

        // Per client address: other accounts (and unknown ones) from the same IP, until the IP is stopped.
        var checkedForIp = checkedForBob;
        var accounts = new[] { "carol@acme.test", "dave@globex.test", "nobody@acme.test", "alice@acme.test" };
        for (var i = 0; i < 12; i++)
        {
            var outcome = await protocols[i % 3](accounts[i % accounts.Length], "wrong-ip-" + i);
            if (outcome == LoginOutcome.Throttled)
            {
                break;
            }
            Assert.Equal(LoginOutcome.Refused, outcome);
            checkedForIp++;
        }
        Assert.Equal(10, checkedForIp);
        foreach (var protocol in protocols)
        {
            Assert.Equal(LoginOutcome.Throttled, await protocol("carol@acme.test", MailStack.Password));
        }
        output.WriteLine($"FIGURES throttle: {checkedForBob} password checks per account per minute, {checkedForIp} per client IP per minute, " +
            "SMTP AUTH, IMAP and POP3 counted together; then 454 4.7.0 / NO \"Too many failed logins\" / -ERR [SYS/TEMP], the right password included");
    }

    [Fact]
    public async Task Behind_a_proxy_that_hides_client_addresses_one_address_does_not_lock_everyone_out()
    {
        // The Container Apps ingress: every client arrives from the proxy's address, with no PROXY header.
        await using var stack = await MailStack.StartAsync(new Dictionary<string, string?> { ["Mail:Listeners:ClientAddressesHidden"] = "true" });
        var accounts = new[] { "carol@acme.test", "dave@globex.test", "nobody@acme.test", "bob@acme.test" };
        for (var i = 0; i < 15; i++) // past the per-IP limit (10), within each account's (5)
        {
            var outcome = i % 2 == 0
                ? (await LoginProbe.ImapAsync(stack.ImapPort, accounts[i % accounts.Length], "wrong-" + i)).Outcome
                : (await LoginProbe.Pop3Async(stack.Pop3Port, accounts[i % accounts.Length], "wrong-" + i)).Outcome;
            Assert.Equal(LoginOutcome.Refused, outcome);
        }
        Assert.Equal(LoginOutcome.Accepted, (await LoginProbe.ImapAsync(stack.ImapPort, "alice@acme.test", MailStack.Password)).Outcome);
        Assert.Equal(LoginOutcome.Accepted, (await LoginProbe.SmtpAsync(stack.SubmissionPort, "alice@acme.test", MailStack.Password)).Outcome);
    }
}
