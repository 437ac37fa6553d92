using System.Buffers;
using System.Net;
using System.Text;
using Serverless.Protocols.Common;
using Xunit;

namespace Serverless.Protocols.Tests.Common;

public sealed class ProxyProtocolParserTests
{
    [Fact]
    public void Parses_v1_tcp4_and_tcp6_and_consumes_only_the_header()
    {
        var input = Encoding.ASCII.GetBytes("PROXY TCP4 203.0.113.7 10.0.0.1 51234 25\r\nEHLO x\r\n");
        Assert.Equal(ProxyParseStatus.Done, ProxyProtocolParser.TryParse(new ReadOnlySequence<byte>(input), out var header, out var consumed));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.7"), 51234), header!.Source);
        Assert.Equal("PROXY TCP4 203.0.113.7 10.0.0.1 51234 25\r\n".Length, consumed);

        var v6 = Encoding.ASCII.GetBytes("PROXY TCP6 2001:db8::7 2001:db8::1 4000 587\r\n");
        Assert.Equal(ProxyParseStatus.Done, ProxyProtocolParser.TryParse(new ReadOnlySequence<byte>(v6), out header, out _));
        Assert.Equal(IPAddress.Parse("2001:db8::7"), header!.Source!.Address);
    }

    [Fact]
    public void V1_unknown_keeps_no_address()
    {
        var input = Encoding.ASCII.GetBytes("PROXY UNKNOWN\r\n");
        Assert.Equal(ProxyParseStatus.Done, ProxyProtocolParser.TryParse(new ReadOnlySequence<byte>(input), out var header, out _));
        Assert.Null(header!.Source);
    }

    [Theory]
    [InlineData("PROXY TCP4 203.0.113.7 10.0.0.1 51234\r\n")]
    [InlineData("PROXY TCP4 2001:db8::1 10.0.0.1 1 2\r\n")]
    [InlineData("PROXY TCP4 203.0.113.7 10.0.0.1 99999 25\r\n")]
    [InlineData("PROXY TCP4 203.0.113.7 10.0.0.1 1 25\n")]
    [InlineData("EHLO client\r\n")]
    public void Refuses_malformed_v1(string text) =>
        Assert.Equal(ProxyParseStatus.Invalid, ProxyProtocolParser.TryParse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)), out _, out _));

    [Fact]
    public void Needs_more_data_for_a_partial_header_and_refuses_an_endless_one()
    {
        Assert.Equal(ProxyParseStatus.NeedMoreData, ProxyProtocolParser.TryParse(new ReadOnlySequence<byte>("PROX"u8.ToArray()), out _, out _));
        Assert.Equal(ProxyParseStatus.NeedMoreData, ProxyProtocolParser.TryParse(new ReadOnlySequence<byte>("PROXY TCP4 1.2.3.4"u8.ToArray()), out _, out _));
        Assert.Equal(ProxyParseStatus.Invalid, ProxyProtocolParser.TryParse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("PROXY " + new string('x', 200))), out _, out _));
    }

    [Fact]
    public void Parses_v2_proxy_and_local_in_any_split()
    {
        var src = new IPEndPoint(IPAddress.Parse("198.51.100.9"), 40000);
        var dst = new IPEndPoint(IPAddress.Parse("10.1.2.3"), 25);
        var bytes = ProxyProtocolParser.FormatV2(src, dst).Concat("EHLO"u8.ToArray()).ToArray();
        for (var cut = 1; cut < bytes.Length - 4; cut++)
        {
            Assert.Equal(ProxyParseStatus.NeedMoreData, ProxyProtocolParser.TryParse(new ReadOnlySequence<byte>(bytes[..cut]), out _, out _));
        }
        Assert.Equal(ProxyParseStatus.Done, ProxyProtocolParser.TryParse(new ReadOnlySequence<byte>(bytes), out var header, out var consumed));
        Assert.Equal(src, header!.Source);
        Assert.Equal(dst, header.Destination);
        Assert.Equal(bytes.Length - 4, consumed);

        var v6 = ProxyProtocolParser.FormatV2(new IPEndPoint(IPAddress.Parse("2001:db8::9"), 1), new IPEndPoint(IPAddress.Parse("2001:db8::1"), 2));
        Assert.Equal(ProxyParseStatus.Done, ProxyProtocolParser.TryParse(new ReadOnlySequence<byte>(v6), out header, out _));
        Assert.Equal(IPAddress.Parse("2001:db8::9"), header!.Source!.Address);

        Assert.Equal(ProxyParseStatus.Done, ProxyProtocolParser.TryParse(new ReadOnlySequence<byte>(ProxyProtocolParser.FormatV2(null, null)), out header, out _));
        Assert.Null(header!.Source);
    }

    [Fact]
    public void Detects_a_header_from_its_first_bytes()
    {
        Assert.Null(ProxyProtocolParser.StartsWithHeader("PRO"u8));
        Assert.True(ProxyProtocolParser.StartsWithHeader("PROXY TCP4"u8));
        Assert.False(ProxyProtocolParser.StartsWithHeader("EHLO"u8));
        Assert.True(ProxyProtocolParser.StartsWithHeader(ProxyProtocolParser.FormatV2(null, null)));
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.255.1.2", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("192.168.1.128/25", "192.168.1.200", true)]
    [InlineData("192.168.1.128/25", "192.168.1.100", false)]
    [InlineData("127.0.0.1", "127.0.0.1", true)]
    [InlineData("127.0.0.1", "::ffff:127.0.0.1", true)]
    [InlineData("fd00::/8", "fd12::1", true)]
    [InlineData("fd00::/8", "10.0.0.1", false)]
    public void Cidr_ranges_match(string cidr, string address, bool expected)
    {
        Assert.True(CidrRange.TryParse(cidr, out var range));
        Assert.Equal(expected, range!.Contains(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("nonsense")]
    [InlineData("")]
    public void Bad_cidr_is_refused(string cidr) => Assert.False(CidrRange.TryParse(cidr, out _));
}
