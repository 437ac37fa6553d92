using System.Buffers;
using Serverless.Protocols.Common;

namespace Serverless.Fuzz.Targets;

/// <summary>The PROXY protocol v1/v2 parser every listener runs before anything else from a trusted network.</summary>
public sealed class ProxyHeaderTarget : FuzzTarget
{
    public override string Name => "proxy-header";

    public override IReadOnlyList<byte[]> Seeds { get; } =
    [
        B("PROXY TCP4 192.0.2.1 198.51.100.2 51234 25\r\nEHLO x\r\n"),
        B("PROXY TCP6 2001:db8::1 2001:db8::2 51234 25\r\n"),
        B("PROXY UNKNOWN\r\n"),
        ProxyProtocolParser.FormatV2(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("192.0.2.1"), 1234), new System.Net.IPEndPoint(System.Net.IPAddress.Parse("192.0.2.2"), 25)),
    ];

    public override void Run(ReadOnlySpan<byte> input)
    {
        var bytes = input.ToArray();
        _ = ProxyProtocolParser.StartsWithHeader(bytes);
        var status = ProxyProtocolParser.TryParse(new ReadOnlySequence<byte>(bytes), out _, out var consumed);
        Check(consumed >= 0 && consumed <= bytes.Length, "consumed within the input");
        // Fed byte by byte growing: never claims more than it was given.
        for (var n = 0; n <= Math.Min(bytes.Length, 300); n += 7)
        {
            _ = ProxyProtocolParser.TryParse(new ReadOnlySequence<byte>(bytes, 0, n), out _, out var c);
            Check(c >= 0 && c <= n, "consumed within a prefix");
        }
        _ = status;
    }
}
