using System.IO.Compression;
using System.Text;
using Serverless.Listeners.Connections;
using Xunit;

namespace Serverless.Listeners.Tests.Connections;

/// <summary>COMPRESS=DEFLATE's sending side: the compressor goes while idle, and the client still reads one unbroken stream.</summary>
public sealed class DeflateOutputStreamTests
{
    [Fact]
    public async Task A_released_compressor_is_not_held_and_the_next_responses_continue_the_same_raw_deflate_stream()
    {
        var wire = new MemoryStream();
        var output = new DeflateOutputStream(wire);
        var responses = new[] { "* OK first response\r\n", "* 1 FETCH (BODY[] {5}\r\nhello)\r\n", "A003 OK last\r\n" };
        foreach (var response in responses)
        {
            await output.WriteAsync(Encoding.ASCII.GetBytes(response));
            await output.FlushAsync();
            Assert.True(output.Holding);
            output.Release(); // the session waits for its client
            Assert.False(output.Holding);
        }

        // Each response ended with a sync flush, and no final block was sent: the client's inflater
        // reads all three as one stream, as it would off the socket.
        wire.Position = 0;
        await using var client = new DeflateStream(wire, CompressionMode.Decompress);
        var all = string.Concat(responses);
        var bytes = new byte[all.Length]; // exactly what was sent: the stream has no end to read to
        await client.ReadExactlyAsync(bytes);
        Assert.Equal(all, Encoding.ASCII.GetString(bytes));
    }

    [Fact]
    public async Task Release_keeps_a_compressor_whose_output_is_not_flushed_yet()
    {
        var wire = new MemoryStream();
        var output = new DeflateOutputStream(wire);
        await output.WriteAsync("* partial"u8.ToArray());
        output.Release();
        Assert.True(output.Holding);
        await output.FlushAsync();
        output.Release();
        Assert.False(output.Holding);
    }
}
