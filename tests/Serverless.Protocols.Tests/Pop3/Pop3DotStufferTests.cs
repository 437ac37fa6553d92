using System.Buffers;
using System.Text;
using Serverless.Protocols.Pop3;
using Xunit;

namespace Serverless.Protocols.Tests.Pop3;

public sealed class Pop3DotStufferTests
{
    private static string Stuff(string message, params int[] cuts)
    {
        var bytes = Encoding.ASCII.GetBytes(message);
        var output = new ArrayBufferWriter<byte>();
        var stuffer = new Pop3DotStuffer();
        var start = 0;
        foreach (var cut in cuts.Append(bytes.Length))
        {
            stuffer.Write(bytes.AsSpan(start, cut - start), output);
            start = cut;
        }
        stuffer.Complete(output);
        Assert.Equal(bytes.Length, stuffer.MessageOctets);
        return Encoding.ASCII.GetString(output.WrittenSpan);
    }

    [Fact]
    public void Lines_starting_with_a_dot_get_another_dot_and_the_response_is_terminated()
    {
        Assert.Equal("A: b\r\n\r\n..x\r\ny.z\r\n...\r\n..\r\n.\r\n", Stuff("A: b\r\n\r\n.x\r\ny.z\r\n..\r\n.\r\n"));
        Assert.Equal("..first\r\n.\r\n", Stuff(".first\r\n"));
        Assert.Equal(".\r\n", Stuff(""));
    }

    [Fact]
    public void A_message_without_a_final_line_break_gets_one_before_the_terminator()
    {
        Assert.Equal("a\r\n..b\r\n.\r\n", Stuff("a\r\n.b"));
    }

    [Fact]
    public void A_bare_lf_also_starts_a_line_so_no_premature_terminator_can_reach_the_client()
    {
        Assert.Equal("a\n..\nb\r\n.\r\n", Stuff("a\n.\nb\r\n"));
    }

    [Fact]
    public void Every_way_of_cutting_the_stream_into_chunks_gives_the_same_bytes()
    {
        const string message = "From: a\r\n\r\n.one\r\n..two\r\nthree.\r\n.\r\n.end";
        var whole = Stuff(message);
        for (var i = 0; i <= message.Length; i++)
        {
            Assert.Equal(whole, Stuff(message, i));
            for (var j = i; j <= message.Length; j += 3)
            {
                Assert.Equal(whole, Stuff(message, i, j));
            }
        }
        Assert.Equal(whole, Stuff(message, Enumerable.Range(1, message.Length - 1).ToArray()));
    }
}
