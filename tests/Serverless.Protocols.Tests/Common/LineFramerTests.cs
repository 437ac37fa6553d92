using System.Buffers;
using System.Text;
using Serverless.Protocols.Common;
using Serverless.Protocols.Tests.Pop3;
using Xunit;

namespace Serverless.Protocols.Tests.Common;

public sealed class LineFramerTests
{
    [Fact]
    public void Finds_lines_one_at_a_time_and_asks_for_more_at_a_partial_line()
    {
        var buffer = new ReadOnlySequence<byte>("STAT\r\nLIST 1\nRETR"u8.ToArray());
        Assert.Equal(LineStatus.Complete, LineFramer.TryReadLine(buffer, 512, out var line, out var next));
        Assert.Equal("STAT", Encoding.ASCII.GetString(line));
        buffer = buffer.Slice(next);
        Assert.Equal(LineStatus.Complete, LineFramer.TryReadLine(buffer, 512, out line, out next));
        Assert.Equal("LIST 1", Encoding.ASCII.GetString(line)); // a bare LF ends a line too
        buffer = buffer.Slice(next);
        Assert.Equal(LineStatus.NeedMoreData, LineFramer.TryReadLine(buffer, 512, out _, out _));
    }

    [Fact]
    public void Finds_a_crlf_split_across_segments()
    {
        var buffer = Pop3CommandParserTests.Segments("NOOP\r", "\nX");
        Assert.Equal(LineStatus.Complete, LineFramer.TryReadLine(buffer, 512, out var line, out var next));
        Assert.Equal("NOOP", Encoding.ASCII.GetString(line));
        Assert.Equal("X", Encoding.ASCII.GetString(buffer.Slice(next)));
    }

    [Fact]
    public void Lines_beyond_the_bound_are_too_long_with_or_without_their_end()
    {
        // The bound counts the octets before the LF, the CR included.
        var exact = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(new string('a', 10) + "\r\n"));
        Assert.Equal(LineStatus.Complete, LineFramer.TryReadLine(exact, 11, out _, out _));
        var bare = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(new string('a', 11) + "\n"));
        Assert.Equal(LineStatus.Complete, LineFramer.TryReadLine(bare, 11, out _, out _));
        var longer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(new string('a', 11) + "\r\n"));
        Assert.Equal(LineStatus.TooLong, LineFramer.TryReadLine(longer, 11, out _, out _));
        var endless = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(new string('a', 100)));
        Assert.Equal(LineStatus.TooLong, LineFramer.TryReadLine(endless, 11, out _, out _));
        var waiting = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(new string('a', 10) + "\r"));
        Assert.Equal(LineStatus.NeedMoreData, LineFramer.TryReadLine(waiting, 11, out _, out _));
    }

    [Fact]
    public void An_overlong_line_is_skipped_up_to_its_end_when_it_has_arrived()
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(new string('a', 20) + "\r\nDONE\r\n"));
        Assert.Equal(LineStatus.TooLong, LineFramer.TryReadLine(buffer, 8, out _, out var next));
        Assert.Equal("DONE\r\n", Encoding.ASCII.GetString(buffer.Slice(next)));
        var partial = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(new string('a', 20)));
        Assert.Equal(LineStatus.TooLong, LineFramer.TryReadLine(partial, 8, out _, out next));
        Assert.True(partial.Slice(next).IsEmpty);
    }
}
