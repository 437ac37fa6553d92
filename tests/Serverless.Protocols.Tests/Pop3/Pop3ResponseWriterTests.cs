using System.Buffers;
using System.Text;
using Serverless.Protocols.Pop3;
using Xunit;

namespace Serverless.Protocols.Tests.Pop3;

public sealed class Pop3ResponseWriterTests
{
    private static string Written(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void Status_lines_carry_response_codes_in_brackets()
    {
        Assert.Equal("+OK 2 320\r\n", Written(w => Pop3ResponseWriter.WriteStatus(w, Pop3Response.Success("2 320"))));
        Assert.Equal("+OK\r\n", Written(w => Pop3ResponseWriter.WriteStatus(w, Pop3Response.Success(""))));
        Assert.Equal("-ERR [IN-USE] busy\r\n", Written(w => Pop3ResponseWriter.WriteStatus(w, Pop3Response.Error("busy", Pop3ResponseCodes.InUse))));
        Assert.Equal("-ERR [SYS/TEMP] later\r\n", Written(w => Pop3ResponseWriter.WriteStatus(w, Pop3Response.Error("later", Pop3ResponseCodes.SysTemp))));
        Assert.Equal("-ERR no\r\n", Written(w => Pop3ResponseWriter.WriteStatus(w, Pop3Response.Error("no"))));
    }

    [Fact]
    public void Text_cannot_break_the_line_and_status_lines_stay_within_512_octets()
    {
        Assert.Equal("-ERR a  +OK fake\r\n", Written(w => Pop3ResponseWriter.WriteStatus(w, Pop3Response.Error("a\r\n+OK fake"))));
        var longLine = Written(w => Pop3ResponseWriter.WriteStatus(w, Pop3Response.Success(new string('é', 600))));
        Assert.True(Encoding.UTF8.GetByteCount(longLine) <= 512);
        Assert.EndsWith("\r\n", longLine, StringComparison.Ordinal);
    }

    [Fact]
    public void Data_lines_are_byte_stuffed_and_the_list_is_terminated()
    {
        var text = Written(w =>
        {
            Pop3ResponseWriter.WriteDataLine(w, "TOP");
            Pop3ResponseWriter.WriteDataLine(w, ".hidden");
            Pop3ResponseWriter.WriteTerminator(w);
        });
        Assert.Equal("TOP\r\n..hidden\r\n.\r\n", text);
        Assert.Equal("+ \r\n", Written(w => Pop3ResponseWriter.WriteContinuation(w, "")));
    }
}
