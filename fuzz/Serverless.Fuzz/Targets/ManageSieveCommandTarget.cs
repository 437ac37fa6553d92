using System.Buffers;
using Serverless.Protocols.ManageSieve;

namespace Serverless.Fuzz.Targets;

/// <summary>ManageSieve: the command parser over a whole input and over the same input fed byte by byte, which must agree.</summary>
public sealed class ManageSieveCommandTarget : FuzzTarget
{
    private const int MaxLine = 1024;
    private const long MaxLiteral = 4096;

    public override string Name => "managesieve-command";

    public override IReadOnlyList<byte[]> Seeds { get; } =
    [
        B("CAPABILITY\r\nAUTHENTICATE \"PLAIN\" \"AGFAYgBw\"\r\nHAVESPACE \"a\" 100\r\nPUTSCRIPT \"a\" {5+}\r\nkeep;\r\nLISTSCRIPTS\r\nSETACTIVE \"a\"\r\nGETSCRIPT \"a\"\r\n"),
        B("RENAMESCRIPT \"a \\\"b\\\"\" \"c\\\\d\"\r\nCHECKSCRIPT {3}\r\nx;y\r\nNOOP \"tag\"\r\nDELETESCRIPT \"a\"\r\nLOGOUT\r\n"),
        B("{4+}\r\nAAAA\r\n\"*\"\r\n"),
    ];

    public override IReadOnlyList<byte[]> Dictionary { get; } =
    [
        B("PUTSCRIPT "), B("{"), B("+}\r\n"), B("}\r\n"), B("\""), B("\\"), B("\r\n"), B(" "), B("4294967296"), B("99999999999"), B("\0"), B("\r"), B("\xc3\xa4"),
    ];

    public override void Run(ReadOnlySpan<byte> input)
    {
        var sasl = input.Length > 0 && input[0] == (byte)'{';
        var whole = Parse(input.ToArray(), sasl);
        // Fed one byte more at a time, the first answer other than "need more" must be the same.
        var bytes = input.ToArray();
        for (var n = 0; n <= bytes.Length; n++)
        {
            var prefix = new ReadOnlySequence<byte>(bytes, 0, n);
            var result = sasl
                ? ManageSieveParser.TryParseSaslResponse(prefix, MaxLine, MaxLiteral, out var consumed)
                : ManageSieveParser.TryParse(prefix, MaxLine, MaxLiteral, out consumed);
            Check(prefix.Slice(0, consumed).Length <= n, "consumed stays within the input");
            if (result.Status != ManageSieveParseStatus.NeedMore)
            {
                Check(result.Status == whole.First.Status, "the answer depends on how the input is split");
                Check(result.Command?.Name == whole.First.Command?.Name, "the command depends on how the input is split");
                break;
            }
        }
    }

    private static (ManageSieveParse First, int Commands) Parse(byte[] input, bool sasl)
    {
        var buffer = new ReadOnlySequence<byte>(input);
        ManageSieveParse first = default;
        var commands = 0;
        for (var i = 0; i < 1000; i++)
        {
            var result = sasl && i == 0
                ? ManageSieveParser.TryParseSaslResponse(buffer, MaxLine, MaxLiteral, out var consumed)
                : ManageSieveParser.TryParse(buffer, MaxLine, MaxLiteral, out consumed);
            if (i == 0)
            {
                first = result;
            }
            if (result.Status is ManageSieveParseStatus.NeedMore or ManageSieveParseStatus.LineTooLong or ManageSieveParseStatus.LiteralTooLarge)
            {
                break;
            }
            Check(result.Status != ManageSieveParseStatus.Complete || result.Command!.Arguments.All(a => a.IsString || a.Number is >= 0 and <= 4294967296), "arguments are strings or numbers in range");
            var next = buffer.Slice(consumed);
            Check(next.Length < buffer.Length, "a parse that is not 'need more' consumes something");
            buffer = next;
            commands++;
        }
        return (first, commands);
    }
}
