using System.Buffers;
using System.Text;

namespace Serverless.Protocols.Pop3;

/// <summary>
/// Formats responses into a buffer writer (a pipe, in the listener).
/// <code>
/// ; RFC 2449 section 9
/// single-line = status [SP text] CRLF          ; at most 512 octets
/// status      = "+OK" / "-ERR"
/// text        = *schar / resp-code *CHAR
/// resp-code   = "[" resp-level *("/" resp-level) "]"
/// multi-line  = single-line *dot-stuffed "." CRLF
/// dot-stuffed = *CHAR CRLF                     ; a line starting with "." gets one more "."
/// ; RFC 5034 section 4
/// continue-req = "+" SP [base64] CRLF
/// </code>
/// </summary>
public static class Pop3ResponseWriter
{
    /// <summary>RFC 2449: a response line is at most 512 octets including CRLF.</summary>
    public const int MaxStatusLine = 512;

    public static void WriteStatus(IBufferWriter<byte> output, Pop3Response response)
    {
        ArgumentNullException.ThrowIfNull(output);
        var text = Sanitize(response.Text);
        var line = response.Ok
            ? (text.Length == 0 ? "+OK" : "+OK " + text)
            : response.Code is null ? "-ERR " + text : $"-ERR [{response.Code}] {text}";
        var bytes = Encoding.UTF8.GetByteCount(line);
        if (bytes > MaxStatusLine - 2)
        {
            line = Truncate(line, MaxStatusLine - 2);
        }
        Write(output, line);
        output.Write("\r\n"u8);
    }

    /// <summary>A SASL challenge: <c>+ base64</c> (an empty challenge is "+ ").</summary>
    public static void WriteContinuation(IBufferWriter<byte> output, string base64Challenge)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Write("+ "u8);
        Write(output, Sanitize(base64Challenge));
        output.Write("\r\n"u8);
    }

    /// <summary>One line of a multi-line response (CAPA, LIST, UIDL), byte-stuffed.</summary>
    public static void WriteDataLine(IBufferWriter<byte> output, string line)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(line);
        if (line.StartsWith('.'))
        {
            output.Write("."u8);
        }
        Write(output, Sanitize(line));
        output.Write("\r\n"u8);
    }

    /// <summary>The end of a multi-line response.</summary>
    public static void WriteTerminator(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Write(".\r\n"u8);
    }

    private static void Write(IBufferWriter<byte> output, string text)
    {
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        var n = Encoding.UTF8.GetBytes(text, span);
        output.Advance(n);
    }

    /// <summary>Response text never carries a line break (it would end the line early and let text pose as a response).</summary>
    private static string Sanitize(string text) =>
        text.AsSpan().IndexOfAny('\r', '\n') < 0 ? text : text.Replace('\r', ' ').Replace('\n', ' ');

    private static string Truncate(string line, int maxBytes)
    {
        var length = line.Length;
        while (Encoding.UTF8.GetByteCount(line.AsSpan(0, length)) > maxBytes)
        {
            length--;
        }
        if (length > 0 && char.IsHighSurrogate(line[length - 1]))
        {
            length--;
        }
        return line[..length];
    }
}
