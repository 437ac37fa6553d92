using Serverless.Protocols.Common;
using Serverless.Protocols.Smtp;

namespace Serverless.Fuzz.Targets;

/// <summary>SMTP command lines: the verb splitter, then the argument parser each verb uses (MAIL, RCPT, EHLO, BDAT, AUTH with SASL PLAIN/LOGIN, xtext).</summary>
public sealed class SmtpCommandTarget : FuzzTarget
{
    public override string Name => "smtp-command";

    public override IReadOnlyList<byte[]> Seeds { get; } =
    [
        B("EHLO client.example\r\nMAIL FROM:<a@b.example> SIZE=100 BODY=8BITMIME RET=HDRS ENVID=x+2Bid AUTH=<>\r\nRCPT TO:<c@d.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;c+40d.example\r\nDATA\r\n"),
        B("HELO [192.0.2.1]\r\nMAIL FROM:<> SMTPUTF8\r\nRCPT TO:<\"quoted local\"@[IPv6:2001:db8::1]>\r\nBDAT 100 LAST\r\n"),
        B("AUTH PLAIN AGFsaWNlQGV4YW1wbGUuY29tAHNlY3JldA==\r\nAUTH LOGIN YWxpY2U=\r\nSTARTTLS\r\nRSET\r\nNOOP x\r\nQUIT\r\n"),
        B("MAIL FROM:<@relay.example,@b.example:user@c.example>\r\nRCPT TO:<Postmaster>\r\nVRFY x\r\n"),
    ];

    public override IReadOnlyList<byte[]> Dictionary { get; } =
    [
        B("MAIL FROM:<"), B("RCPT TO:<"), B(">"), B("@"), B("\r\n"), B(" SIZE="), B(" BODY=BINARYMIME"), B(" NOTIFY=NEVER"), B(" ORCPT=rfc822;"),
        B(" ENVID="), B("+2B"), B("[IPv6:"), B("\""), B("\\"), B("AUTH "), B("PLAIN "), B("="), B("BDAT "), B(" LAST"), B("18446744073709551616"),
        B("9223372036854775807"), B("\0"), B("\xc3\xa9"), B("\xff"),
    ];

    public override void Run(ReadOnlySpan<byte> input)
    {
        foreach (var range in input.Split((byte)'\n'))
        {
            var line = input[range];
            if (line.Length > 0 && line[^1] == '\r')
            {
                line = line[..^1];
            }
            var parsed = SmtpCommandParser.Parse(line);
            Check(parsed.Ok == (parsed.Error is null), "a parse result is either a value or an error");
            if (!parsed.Ok)
            {
                Check(parsed.Error!.Code is >= 500 and < 600, "a refused command line gets a 5xx");
                continue;
            }
            var arg = parsed.Value.Argument;
            switch (parsed.Value.Verb)
            {
                case SmtpVerb.Helo or SmtpVerb.Ehlo:
                    _ = SmtpCommandParser.ParseHelloDomain(arg);
                    break;
                case SmtpVerb.Mail:
                    var mail = SmtpEnvelopeParser.ParseMailFrom(arg);
                    Check(!mail.Ok || mail.Value!.Size is null or >= 0, "SIZE is never negative");
                    break;
                case SmtpVerb.Rcpt:
                    _ = SmtpEnvelopeParser.ParseRcptTo(arg);
                    break;
                case SmtpVerb.Bdat:
                    var bdat = SmtpCommandParser.ParseBdat(arg);
                    Check(!bdat.Ok || bdat.Value.Size >= 0, "a BDAT size is never negative");
                    break;
                case SmtpVerb.Auth:
                    var auth = SmtpCommandParser.ParseAuth(arg);
                    if (auth.Ok && auth.Value.InitialResponse is { } initial)
                    {
                        _ = SaslDecoder.TryDecodePlain(initial, out _);
                        _ = SaslDecoder.TryDecodeLogin(initial, out _);
                    }
                    break;
            }
            if (XText.TryDecode(arg, out var decoded))
            {
                Check(XText.TryDecode(XText.Encode(decoded), out var again) && again == decoded, "xtext round-trips");
            }
        }
    }
}
