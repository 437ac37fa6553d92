using System.Buffers;
using Serverless.Protocols.Common;
using Serverless.Protocols.Pop3;

namespace Serverless.Fuzz.Targets;

/// <summary>POP3: the line framer (255-octet limit), the command parser, SASL PLAIN, and the TOP filter fed in slices.</summary>
public sealed class Pop3CommandTarget : FuzzTarget
{
    public override string Name => "pop3-command";

    public override IReadOnlyList<byte[]> Seeds { get; } =
    [
        B("CAPA\r\nUSER alice@example.com\r\nPASS secret words\r\nSTAT\r\nLIST\r\nLIST 1\r\nUIDL 2\r\nRETR 1\r\nTOP 1 10\r\nDELE 1\r\nRSET\r\nNOOP\r\nQUIT\r\n"),
        B("AUTH PLAIN AGFsaWNlQGV4YW1wbGUuY29tAHNlY3JldA==\r\nAPOP alice c4c9334bac560ecc979e58001b3e22fb\r\nSTLS\r\n"),
        B("Subject: top\r\nX: y\r\n\r\nline 1\r\n.line 2\r\nline 3\r\n"),
    ];

    public override IReadOnlyList<byte[]> Dictionary { get; } =
    [
        B("RETR "), B("TOP "), B("LIST "), B("DELE "), B("AUTH PLAIN "), B("\r\n"), B("4294967296"), B("-1"), B("2147483647"), B(" "), B("\0"), B("="),
    ];

    public override void Run(ReadOnlySpan<byte> input)
    {
        var buffer = new ReadOnlySequence<byte>(input.ToArray());
        for (var lines = 0; lines < 1000; lines++)
        {
            var status = LineFramer.TryReadLine(buffer, 255, out var line, out var next);
            if (status != LineStatus.Complete)
            {
                break;
            }
            Check(line.Length <= 255, "a framed line respects the limit");
            var command = Pop3CommandParser.Parse(line);
            Check(command.Message is null or > 0, "message numbers are positive");
            Check(command.Lines >= 0, "TOP line counts are never negative");
            if (command is { IsValid: true, Kind: Pop3CommandKind.Auth, Argument2: { } initial })
            {
                _ = SaslDecoder.TryDecodePlain(initial, out _);
            }
            buffer = buffer.Slice(next);
        }

        // TOP: the same message cut in any slices gives the same head.
        if (input.Length > 0)
        {
            var bodyLines = input[0] % 8;
            Check(Top(input[1..], bodyLines, 1 + (input.Length % 13)) == Top(input[1..], bodyLines, 64 * 1024), "TOP output depends on slicing");
        }
    }

    private static int Top(ReadOnlySpan<byte> message, int bodyLines, int slice)
    {
        var filter = new Pop3TopFilter(bodyLines);
        var taken = 0;
        for (var offset = 0; offset < message.Length && !filter.IsComplete; offset += slice)
        {
            var chunk = message.Slice(offset, Math.Min(slice, message.Length - offset));
            var n = filter.Take(chunk);
            Check(n >= 0 && n <= chunk.Length, "TOP takes within its chunk");
            taken += n;
        }
        return taken;
    }
}
