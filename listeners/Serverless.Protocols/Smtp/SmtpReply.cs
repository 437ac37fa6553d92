using System.Buffers;
using System.Text;

namespace Serverless.Protocols.Smtp;

/// <summary>
/// One SMTP reply: a three-digit code, an RFC 3463 enhanced status code (RFC 2034: on every
/// reply after the greeting) and one or more text lines.
/// </summary>
public sealed record SmtpReply(int Code, string? Enhanced, IReadOnlyList<string> Lines)
{
    public static SmtpReply Of(int code, string enhanced, string text) => new(code, enhanced, [text]);

    /// <summary>The 220 greeting carries no enhanced code (it comes before EHLO).</summary>
    public static SmtpReply Greeting(string text) => new(220, null, [text]);

    public override string ToString() => Encoding.UTF8.GetString(SmtpReplyFormatter.Format(this));
}

/// <summary>
/// Writes replies. RFC 5321 4.2:
/// <code>
/// Reply-line     = *( Reply-code "-" [ textstring ] CRLF ) Reply-code [ SP textstring ] CRLF
/// Reply-code     = %x32-35 %x30-35 %x30-39
/// </code>
/// RFC 2034 puts the enhanced code (class "." subject "." detail) at the start of every line's text.
/// </summary>
public static class SmtpReplyFormatter
{
    public static void Write(IBufferWriter<byte> output, SmtpReply reply)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(reply);
        var lines = reply.Lines.Count == 0 ? [""] : reply.Lines;
        for (var i = 0; i < lines.Count; i++)
        {
            var sb = new StringBuilder(64);
            sb.Append(reply.Code.ToString(System.Globalization.CultureInfo.InvariantCulture));
            sb.Append(i == lines.Count - 1 ? ' ' : '-');
            if (reply.Enhanced is not null)
            {
                sb.Append(reply.Enhanced).Append(' ');
            }
            AppendSanitized(sb, lines[i]);
            sb.Append("\r\n");
            var text = sb.ToString();
            var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
            var n = Encoding.UTF8.GetBytes(text, span);
            output.Advance(n);
        }
    }

    public static byte[] Format(SmtpReply reply)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        Write(buffer, reply);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reply text may echo client input: never let a CR or LF through, it would forge another reply.</summary>
    private static void AppendSanitized(StringBuilder sb, string text)
    {
        foreach (var c in text)
        {
            sb.Append(char.IsControl(c) ? ' ' : c);
        }
    }
}
