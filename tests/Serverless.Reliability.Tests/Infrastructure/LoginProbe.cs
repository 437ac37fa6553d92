using System.Diagnostics;
using System.Text;

namespace Serverless.Reliability.Tests.Infrastructure;

public enum LoginOutcome
{
    Accepted,
    Refused,
    Throttled,
}

/// <summary>One login attempt over each protocol on a fresh connection: the outcome, and how long the password step took.</summary>
public static class LoginProbe
{
    public static string Plain(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));

    public static async Task<(LoginOutcome Outcome, TimeSpan Elapsed)> SmtpAsync(int submissionPort, string user, string password)
    {
        await using var wire = await Wire.ConnectAsync(submissionPort);
        await wire.SmtpReplyAsync();
        await wire.SmtpAsync("EHLO client.reliability.test");
        var clock = Stopwatch.StartNew();
        var reply = await wire.SmtpAsync("AUTH PLAIN " + Plain(user, password));
        var elapsed = clock.Elapsed;
        return (reply?.Code switch
        {
            235 => LoginOutcome.Accepted,
            535 => LoginOutcome.Refused,
            454 => LoginOutcome.Throttled,
            _ => throw new InvalidOperationException("SMTP AUTH: " + reply),
        }, elapsed);
    }

    public static async Task<(LoginOutcome Outcome, TimeSpan Elapsed)> Pop3Async(int port, string user, string password)
    {
        await using var wire = await Wire.ConnectAsync(port);
        await wire.ReadLineAsync();
        await wire.LineAsync("USER " + user);
        await wire.ReadLineAsync();
        var clock = Stopwatch.StartNew();
        await wire.LineAsync("PASS " + password);
        var reply = await wire.ReadLineAsync() ?? "";
        var elapsed = clock.Elapsed;
        await wire.LineAsync("QUIT");
        await wire.ReadLineAsync();
        return (reply.StartsWith("+OK", StringComparison.Ordinal) ? LoginOutcome.Accepted
            : reply.StartsWith("-ERR [AUTH]", StringComparison.Ordinal) ? LoginOutcome.Refused
            : reply.StartsWith("-ERR [SYS/TEMP]", StringComparison.Ordinal) ? LoginOutcome.Throttled
            : throw new InvalidOperationException("POP3 PASS: " + reply), elapsed);
    }

    public static async Task<(LoginOutcome Outcome, TimeSpan Elapsed)> ImapAsync(int port, string user, string password)
    {
        await using var wire = await Wire.ConnectAsync(port);
        await wire.ReadLineAsync();
        var clock = Stopwatch.StartNew();
        await wire.LineAsync($"a LOGIN \"{user}\" \"{password}\"");
        var reply = (await wire.ImapUntilTaggedAsync("a"))[^1];
        var elapsed = clock.Elapsed;
        return (reply.StartsWith("a OK", StringComparison.Ordinal) ? LoginOutcome.Accepted
            : reply.Contains("Too many failed logins", StringComparison.Ordinal) ? LoginOutcome.Throttled
            : reply.StartsWith("a NO", StringComparison.Ordinal) ? LoginOutcome.Refused
            : throw new InvalidOperationException("IMAP LOGIN: " + reply), elapsed);
    }
}
