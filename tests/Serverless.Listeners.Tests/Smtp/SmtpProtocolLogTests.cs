using Microsoft.Extensions.Logging;
using Serverless.Listeners.Smtp;
using Serverless.Protocols.Smtp;
using Xunit;

namespace Serverless.Listeners.Tests.Smtp;

public sealed class SmtpProtocolLogTests
{
    [Fact]
    public void Auth_secrets_never_reach_the_protocol_log()
    {
        var logger = new ListLogger();
        var log = new SmtpProtocolLog(logger, "c1");
        log.Command(new SmtpCommandLine(SmtpVerb.Auth, "AUTH", "PLAIN AHVzZXIAc2VjcmV0"));
        log.Command(new SmtpCommandLine(SmtpVerb.Auth, "AUTH", "LOGIN"));
        log.SaslLine();
        log.InSasl = true;
        log.Command("c2VjcmV0");
        log.Command(new SmtpCommandLine(SmtpVerb.Mail, "MAIL", "FROM:<a@b.example>"));
        Assert.Equal(["SMTP c1 C: AUTH PLAIN ***", "SMTP c1 C: AUTH LOGIN", "SMTP c1 C: ***", "SMTP c1 C: ***", "SMTP c1 C: MAIL FROM:<a@b.example>"], logger.Lines);
        Assert.DoesNotContain(logger.Lines, l => l.Contains("AHVzZXIAc2VjcmV0", StringComparison.Ordinal) || l.Contains("c2VjcmV0", StringComparison.Ordinal));
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }
}
