using System.Globalization;
using Serverless.Reliability.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Serverless.Reliability.Tests.Credentials;

/// <summary>
/// A wrong user name takes as long as a wrong password, over SMTP AUTH, POP3 and IMAP, so timing
/// does not tell which addresses exist. PBKDF2 runs with enough rounds here (200,000) to dominate
/// everything else an attempt costs; wrong-user and wrong-password attempts alternate, so load on
/// the machine falls on both alike; and the medians must agree within a factor of 2.5. If the
/// wrong-user path skipped PBKDF2 it would be a hundred times faster and fail by far.
/// </summary>
public sealed class LoginTimingTests(ITestOutputHelper output)
{
    private const int Pairs = 11;

    [Fact]
    public async Task A_wrong_user_costs_the_same_time_as_a_wrong_password_on_every_protocol()
    {
        await using var stack = await MailStack.StartAsync(new Dictionary<string, string?>
        {
            ["Mail:Security:Pbkdf2Iterations"] = "200000",
            ["Mail:Security:MaxFailuresPerIp"] = "100000",
            ["Mail:Security:MaxFailuresPerAccount"] = "100000",
        });
        var probes = new (string Name, Func<string, string, Task<(LoginOutcome, TimeSpan)>> Login)[]
        {
            ("SMTP AUTH PLAIN", (u, p) => LoginProbe.SmtpAsync(stack.SubmissionPort, u, p)),
            ("POP3 USER/PASS", (u, p) => LoginProbe.Pop3Async(stack.Pop3Port, u, p)),
            ("IMAP LOGIN", (u, p) => LoginProbe.ImapAsync(stack.ImapPort, u, p)),
        };
        var figures = new List<string>();
        foreach (var (name, login) in probes)
        {
            await login("carol@acme.test", "warm-up"); // JIT and connection paths warm
            var wrongUser = new List<double>();
            var wrongPassword = new List<double>();
            for (var i = 0; i < Pairs; i++)
            {
                var (o1, t1) = await login($"nobody{i}@acme.test", MailStack.Password);
                var (o2, t2) = await login("alice@acme.test", "wrong-" + i);
                Assert.Equal(LoginOutcome.Refused, o1);
                Assert.Equal(LoginOutcome.Refused, o2);
                wrongUser.Add(t1.TotalMilliseconds);
                wrongPassword.Add(t2.TotalMilliseconds);
            }
            var ratio = Median(wrongUser) / Median(wrongPassword);
            figures.Add(string.Create(CultureInfo.InvariantCulture, $"{name}: wrong user {Median(wrongUser):0} ms, wrong password {Median(wrongPassword):0} ms (ratio {ratio:0.00})"));
            Assert.True(ratio is > 0.4 and < 2.5, $"{name}: median wrong-user {Median(wrongUser):0.0} ms vs wrong-password {Median(wrongPassword):0.0} ms");
        }
        output.WriteLine("FIGURES timing (medians of " + Pairs + " alternating pairs, PBKDF2 200,000 rounds): " + string.Join("; ", figures));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
