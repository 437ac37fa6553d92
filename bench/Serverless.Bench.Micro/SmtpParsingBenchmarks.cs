using System.Text;
using BenchmarkDotNet.Attributes;
using Serverless.Protocols.Smtp;

namespace Serverless.Bench.Micro;

/// <summary>One SMTP transaction's command lines as an MTA sends them: verb parsing plus the MAIL/RCPT argument grammars.</summary>
[MemoryDiagnoser]
public class SmtpParsingBenchmarks
{
    private readonly byte[][] _lines =
    [
        "EHLO mail.sender.example.org"u8.ToArray(),
        "MAIL FROM:<someone.long-name@sender.example.org> SIZE=10240 BODY=8BITMIME"u8.ToArray(),
        "RCPT TO:<user@bench.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;user@bench.test"u8.ToArray(),
        "DATA"u8.ToArray(),
        "QUIT"u8.ToArray(),
    ];

    [Benchmark(Description = "EHLO, MAIL, RCPT, DATA, QUIT")]
    public int Transaction()
    {
        var n = 0;
        foreach (var line in _lines)
        {
            var parsed = SmtpCommandParser.Parse(line);
            if (!parsed.Ok)
            {
                throw new InvalidOperationException(Encoding.ASCII.GetString(line));
            }
            var cmd = parsed.Value;
            n += cmd.Verb switch
            {
                SmtpVerb.Mail => SmtpEnvelopeParser.ParseMailFrom(cmd.Argument).Ok ? 1 : 0,
                SmtpVerb.Rcpt => SmtpEnvelopeParser.ParseRcptTo(cmd.Argument).Ok ? 1 : 0,
                _ => 1,
            };
        }
        return n;
    }
}
