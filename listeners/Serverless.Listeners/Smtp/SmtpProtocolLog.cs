using Microsoft.Extensions.Logging;
using Serverless.Protocols.Smtp;

namespace Serverless.Listeners.Smtp;

/// <summary>
/// Debug-level transcript of a session. AUTH arguments and the SASL lines that follow are never
/// written: only the mechanism name survives, the rest is replaced by "***"; nor are lines that are
/// not commands (a SASL response sent after a refused AUTH would otherwise be logged as one).
/// </summary>
public sealed partial class SmtpProtocolLog(ILogger logger, string connectionId)
{
    /// <summary>Set while a SASL exchange is running, so client lines are redacted.</summary>
    public bool InSasl { get; set; }

    public void Command(SmtpCommandLine line)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            LogClient(logger, connectionId, Redact(line));
        }
    }

    public void Command(string text)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            LogClient(logger, connectionId, InSasl ? "***" : text);
        }
    }

    public void SaslLine()
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            LogClient(logger, connectionId, "***");
        }
    }

    public void Reply(SmtpReply reply)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            LogServer(logger, connectionId, reply.ToString().TrimEnd());
        }
    }

    /// <summary>The text a command line is logged as.</summary>
    public static string Redact(SmtpCommandLine line)
    {
        if (line.Verb == SmtpVerb.Unknown)
        {
            // Not a command: often a SASL response the client sent although AUTH was refused (503, 538, 504),
            // i.e. base64 credentials. Only its length is logged.
            return $"(unrecognized command, {line.Keyword.Length + (line.Argument.Length == 0 ? 0 : line.Argument.Length + 1)} characters)";
        }
        if (line.Verb == SmtpVerb.Auth)
        {
            var mechanism = line.Argument.Split(' ', 2)[0];
            return line.Argument.Contains(' ', StringComparison.Ordinal) ? $"{line.Keyword} {mechanism} ***" : $"{line.Keyword} {mechanism}";
        }
        return line.Argument.Length == 0 ? line.Keyword : line.Keyword + " " + line.Argument;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "SMTP {ConnectionId} C: {Line}")]
    private static partial void LogClient(ILogger logger, string connectionId, string line);

    [LoggerMessage(Level = LogLevel.Debug, Message = "SMTP {ConnectionId} S: {Line}")]
    private static partial void LogServer(ILogger logger, string connectionId, string line);
}
