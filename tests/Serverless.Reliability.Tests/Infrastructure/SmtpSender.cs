using System.Text;

namespace Serverless.Reliability.Tests.Infrastructure;

/// <summary>
/// One SMTP session that sends message after message (EHLO once, then MAIL/RCPT/DATA for each),
/// recording the reply to every final dot. Used by the load and fault tests.
/// </summary>
public sealed class SmtpSender : IAsyncDisposable
{
    private readonly Wire _wire;

    private SmtpSender(Wire wire) => _wire = wire;

    public static async Task<SmtpSender> ConnectAsync(int port, string helo = "client.reliability.test")
    {
        var wire = await Wire.ConnectAsync(port);
        var greeting = await wire.SmtpReplyAsync();
        if (greeting?.Code != 220 || (await wire.SmtpAsync("EHLO " + helo))?.Code != 250)
        {
            await wire.DisposeAsync();
            throw new InvalidOperationException("No SMTP session: " + greeting);
        }
        return new SmtpSender(wire);
    }

    public Wire Wire => _wire;

    /// <summary>
    /// Sends one message; returns the first reply that was not a success (MAIL, RCPT or DATA), or
    /// the reply to the final dot; null if the connection ended first.
    /// </summary>
    public async Task<SmtpWireReply?> SendAsync(string from, IReadOnlyList<string> recipients, string body)
    {
        var mail = await _wire.SmtpAsync($"MAIL FROM:<{from}>");
        if (mail is null || mail.Code != 250)
        {
            return mail;
        }
        foreach (var r in recipients)
        {
            var rcpt = await _wire.SmtpAsync($"RCPT TO:<{r}>");
            if (rcpt is null || rcpt.Code != 250)
            {
                if (rcpt is not null)
                {
                    await _wire.SmtpAsync("RSET");
                }
                return rcpt;
            }
        }
        var data = await _wire.SmtpAsync("DATA");
        if (data is null || data.Code != 354)
        {
            return data;
        }
        await _wire.SendAsync(Stuff(body) + ".\r\n");
        return await _wire.SmtpReplyAsync();
    }

    /// <summary>Dot-stuffs a CRLF body for DATA (which must end with CRLF).</summary>
    public static string Stuff(string body)
    {
        var sb = new StringBuilder(body.Length + 16);
        if (body.StartsWith('.'))
        {
            sb.Append('.');
        }
        sb.Append(body.Replace("\r\n.", "\r\n..", StringComparison.Ordinal));
        if (!body.EndsWith("\r\n", StringComparison.Ordinal))
        {
            sb.Append("\r\n");
        }
        return sb.ToString();
    }

    public static string Message(string messageId, string subject, string to, string extraBody = "") =>
        $"Message-ID: <{messageId}>\r\nFrom: Load Sender <sender@client.reliability.test>\r\nTo: {to}\r\nSubject: {subject}\r\n" +
        $"Date: {DateTimeOffset.UtcNow:r}\r\n\r\nHello,\r\n.a line that starts with a dot\r\n{extraBody}bye\r\n";

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _wire.LineAsync("QUIT");
        }
        catch (IOException)
        {
        }
        await _wire.DisposeAsync();
    }
}
