using System.Buffers;
using System.Text;
using Serverless.Protocols.Pop3;
using Xunit;

namespace Serverless.Protocols.Tests.Pop3;

public sealed class Pop3LineFramerTests
{
    [Fact]
    public void Finds_lines_one_at_a_time_and_asks_for_more_at_a_partial_line()
    {
        var buffer = new ReadOnlySequence<byte>("STAT\r\nLIST 1\nRETR"u8.ToArray());
        Assert.Equal(Pop3LineStatus.Complete, Pop3LineFramer.TryReadLine(buffer, 512, out var line, out var next));
        Assert.Equal("STAT", Encoding.ASCII.GetString(line));
        buffer = buffer.Slice(next);
        Assert.Equal(Pop3LineStatus.Complete, Pop3LineFramer.TryReadLine(buffer, 512, out line, out next));
        Assert.Equal("LIST 1", Encoding.ASCII.GetString(line)); // a bare LF ends a line too
        buffer = buffer.Slice(next);
        Assert.Equal(Pop3LineStatus.NeedMoreData, Pop3LineFramer.TryReadLine(buffer, 512, out _, out _));
    }

    [Fact]
    public void Finds_a_crlf_split_across_segments()
    {
        var buffer = Pop3CommandParserTests.Segments("NOOP\r", "\nX");
        Assert.Equal(Pop3LineStatus.Complete, Pop3LineFramer.TryReadLine(buffer, 512, out var line, out var next));
        Assert.Equal("NOOP", Encoding.ASCII.GetString(line));
        Assert.Equal("X", Encoding.ASCII.GetString(buffer.Slice(next)));
    }

    [Fact]
    public void Lines_beyond_the_bound_are_too_long_with_or_without_their_end()
    {
        var exact = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(new string('a', 10) + "\r\n"));
        Assert.Equal(Pop3LineStatus.Complete, Pop3LineFramer.TryReadLine(exact, 10, out _, out _));
        var longer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(new string('a', 11) + "\r\n"));
        Assert.Equal(Pop3LineStatus.TooLong, Pop3LineFramer.TryReadLine(longer, 10, out _, out _));
        var endless = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(new string('a', 100)));
        Assert.Equal(Pop3LineStatus.TooLong, Pop3LineFramer.TryReadLine(endless, 10, out _, out _));
        var waiting = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(new string('a', 10) + "\r"));
        Assert.Equal(Pop3LineStatus.NeedMoreData, Pop3LineFramer.TryReadLine(waiting, 10, out _, out _));
    }
}
