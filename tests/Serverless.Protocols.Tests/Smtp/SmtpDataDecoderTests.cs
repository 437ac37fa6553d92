using System.Text;
using Serverless.Protocols.Smtp;
using Xunit;

namespace Serverless.Protocols.Tests.Smtp;

public sealed class SmtpDataDecoderTests
{
    private static (DataDecodeStatus Status, string Output, int Consumed) DecodeAll(string input, int chunk = int.MaxValue, int maxLine = 1000)
    {
        var bytes = Encoding.UTF8.GetBytes(input);
        var decoder = new SmtpDataDecoder(maxLine);
        var output = new List<byte>();
        var offset = 0;
        var status = DataDecodeStatus.NeedMoreData;
        while (offset < bytes.Length && status == DataDecodeStatus.NeedMoreData)
        {
            var piece = bytes.AsSpan(offset, Math.Min(chunk, bytes.Length - offset));
            var buffer = new byte[piece.Length + 2];
            status = decoder.Decode(piece, buffer, out var consumed, out var written);
            output.AddRange(buffer[..written]);
            offset += consumed;
        }
        return (status, Encoding.UTF8.GetString(output.ToArray()), offset);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Unstuffs_dots_and_stops_exactly_after_the_terminator_whatever_the_chunking(int chunk)
    {
        var (status, output, consumed) = DecodeAll("Subject: x\r\n\r\n..leading dot\r\n.\r\n...\r\nbody\r\n.\r\nQUIT\r\n", chunk);
        Assert.Equal(DataDecodeStatus.Complete, status);
        Assert.Equal("Subject: x\r\n\r\n.leading dot\r\n", output);
        Assert.Equal("Subject: x\r\n\r\n..leading dot\r\n.\r\n".Length, consumed);
    }

    [Fact]
    public void An_empty_message_is_just_the_terminator()
    {
        var (status, output, consumed) = DecodeAll(".\r\n");
        Assert.Equal(DataDecodeStatus.Complete, status);
        Assert.Equal("", output);
        Assert.Equal(3, consumed);
    }

    [Fact]
    public void Keeps_multi_dot_lines_and_dots_inside_lines()
    {
        var (status, output, _) = DecodeAll("a.b\r\n...\r\n.x.\r\n.\r\n");
        Assert.Equal(DataDecodeStatus.Complete, status);
        Assert.Equal("a.b\r\n..\r\nx.\r\n", output);
    }

    [Theory]
    [InlineData("body\n.\nMAIL FROM:<evil@x>\r\n")]
    [InlineData("body\r.\rMAIL FROM:<evil@x>\r\n")]
    [InlineData("body\n.\r\nMAIL FROM:<evil@x>\r\n")]
    [InlineData("body\r\n.\rMAIL FROM:<evil@x>\r\n")]
    [InlineData("body\r\n.\nMAIL FROM:<evil@x>\r\n")]
    [InlineData("a bare\nline\r\n.\r\n")]
    [InlineData("a bare\rcarriage return\r\n.\r\n")]
    public void Refuses_bare_cr_and_lf_so_no_second_message_can_be_smuggled(string input)
    {
        foreach (var chunk in new[] { int.MaxValue, 1, 2 })
        {
            var (status, output, _) = DecodeAll(input, chunk);
            Assert.Equal(DataDecodeStatus.BareLineEnding, status);
            Assert.DoesNotContain("MAIL FROM", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Flags_overlong_lines_but_keeps_decoding()
    {
        var decoder = new SmtpDataDecoder(10);
        var input = Encoding.ASCII.GetBytes(new string('x', 11) + "\r\n.\r\n");
        var status = decoder.Decode(input, new byte[input.Length + 2], out _, out var written);
        Assert.Equal(DataDecodeStatus.Complete, status);
        Assert.True(decoder.LineTooLong);
        Assert.Equal(13, written);
        Assert.Equal(13, decoder.DecodedLength);
    }

    [Fact]
    public void Bdat_reader_takes_exactly_the_chunk_size()
    {
        var reader = new BdatChunkReader(5);
        var first = reader.Take(new System.Buffers.ReadOnlySequence<byte>("abc"u8.ToArray()));
        Assert.Equal(3, first.Length);
        var second = reader.Take(new System.Buffers.ReadOnlySequence<byte>("defgh"u8.ToArray()));
        Assert.Equal("de", Encoding.ASCII.GetString(second));
        Assert.True(reader.IsComplete);
    }
}
