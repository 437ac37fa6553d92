using System.Text;
using Serverless.Protocols.Pop3;
using Xunit;

namespace Serverless.Protocols.Tests.Pop3;

public sealed class Pop3TopFilterTests
{
    private const string Message = "Subject: hi\r\nFrom: a@b\r\n\r\nline 1\r\nline 2\r\nline 3\r\n";

    private static string Top(string message, int lines, int chunkSize)
    {
        var bytes = Encoding.ASCII.GetBytes(message);
        var filter = new Pop3TopFilter(lines);
        var taken = new StringBuilder();
        for (var start = 0; start < bytes.Length && !filter.IsComplete; start += chunkSize)
        {
            var chunk = bytes.AsSpan(start, Math.Min(chunkSize, bytes.Length - start));
            var n = filter.Take(chunk);
            Assert.InRange(n, 0, chunk.Length);
            taken.Append(Encoding.ASCII.GetString(chunk[..n]));
        }
        return taken.ToString();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(1000)]
    public void Sends_the_header_the_blank_line_and_n_body_lines_whatever_the_chunking(int chunkSize)
    {
        Assert.Equal("Subject: hi\r\nFrom: a@b\r\n\r\n", Top(Message, 0, chunkSize));
        Assert.Equal("Subject: hi\r\nFrom: a@b\r\n\r\nline 1\r\n", Top(Message, 1, chunkSize));
        Assert.Equal("Subject: hi\r\nFrom: a@b\r\n\r\nline 1\r\nline 2\r\n", Top(Message, 2, chunkSize));
        Assert.Equal(Message, Top(Message, 3, chunkSize));
        Assert.Equal(Message, Top(Message, 50, chunkSize));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(100)]
    public void Handles_bare_lf_a_message_without_body_and_a_cr_inside_the_header(int chunkSize)
    {
        Assert.Equal("A: 1\n\nx\n", Top("A: 1\n\nx\ny\n", 1, chunkSize));
        Assert.Equal("A: 1\r\nB: 2\r\n", Top("A: 1\r\nB: 2\r\n", 0, chunkSize));
        Assert.Equal("A: 1\r\n\rB: 2\r\n\r\n", Top("A: 1\r\n\rB: 2\r\n\r\nbody\r\n", 0, chunkSize));
        Assert.Equal("\r\n", Top("\r\nbody\r\n", 0, chunkSize));
    }

    [Fact]
    public void Reports_completion_so_the_rest_of_the_blob_need_not_be_read()
    {
        var filter = new Pop3TopFilter(0);
        var bytes = Encoding.ASCII.GetBytes(Message);
        Assert.Equal(Message.IndexOf("line 1", StringComparison.Ordinal), filter.Take(bytes));
        Assert.True(filter.IsComplete);
        Assert.Equal(0, filter.Take(bytes));
    }
}
