using System.Buffers;
using System.Text;

namespace Serverless.Protocols.ManageSieve;

/// <summary>The three final responses (RFC 5804 1.2).</summary>
public enum ManageSieveStatus
{
    Ok,
    No,
    Bye,
}

/// <summary>
/// Formats ManageSieve responses (RFC 5804 section 4):
/// <code>
/// response-oknobye = ("OK" / "NO" / "BYE") [SP "(" resp-code ")"] [SP string] CRLF
/// string           = quoted / literal-s2c
/// literal-s2c      = "{" number "}" CRLF *OCTET
/// </code>
/// Strings go out quoted when they can (short, no CR/LF/NUL), else as a literal.
/// </summary>
public static class ManageSieveResponseWriter
{
    public static void WriteStatus(IBufferWriter<byte> output, ManageSieveStatus status, string? code, string? text)
    {
        WriteAscii(output, status switch { ManageSieveStatus.Ok => "OK", ManageSieveStatus.No => "NO", _ => "BYE" });
        if (code is not null)
        {
            WriteAscii(output, " (");
            WriteUtf8(output, code);
            WriteAscii(output, ")");
        }
        if (text is not null)
        {
            WriteAscii(output, " ");
            WriteString(output, text);
        }
        WriteAscii(output, "\r\n");
    }

    /// <summary>A data line of strings and atoms, e.g. <c>"SIEVE" "fileinto vacation"</c> or <c>"name" ACTIVE</c>.</summary>
    public static void WriteLine(IBufferWriter<byte> output, string first, string? second = null, bool secondIsAtom = false)
    {
        WriteString(output, first);
        if (second is not null)
        {
            WriteAscii(output, " ");
            if (secondIsAtom)
            {
                WriteAscii(output, second);
            }
            else
            {
                WriteString(output, second);
            }
        }
        WriteAscii(output, "\r\n");
    }

    /// <summary>A string alone on its line (GETSCRIPT's script, a SASL challenge).</summary>
    public static void WriteStringLine(IBufferWriter<byte> output, string value, bool forceLiteral)
    {
        if (forceLiteral)
        {
            WriteLiteral(output, value);
        }
        else
        {
            WriteString(output, value);
        }
        WriteAscii(output, "\r\n");
    }

    /// <summary>Quoted with \" and \\ escaped when possible, else a literal.</summary>
    public static void WriteString(IBufferWriter<byte> output, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (Encoding.UTF8.GetByteCount(value) > ManageSieveParser.MaxQuoted || value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
        {
            WriteLiteral(output, value);
            return;
        }
        WriteAscii(output, "\"");
        WriteUtf8(output, value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal));
        WriteAscii(output, "\"");
    }

    private static void WriteLiteral(IBufferWriter<byte> output, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        WriteAscii(output, "{" + bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}\r\n");
        output.Write(bytes);
    }

    private static void WriteAscii(IBufferWriter<byte> output, string s)
    {
        var span = output.GetSpan(s.Length);
        var n = Encoding.ASCII.GetBytes(s, span);
        output.Advance(n);
    }

    private static void WriteUtf8(IBufferWriter<byte> output, string s) => output.Write(Encoding.UTF8.GetBytes(s));
}
