using System.Buffers;
using System.Globalization;
using System.Text;

namespace Serverless.Protocols.Imap;

/// <summary>
/// Writes response tokens into a buffer (no I/O: the session hands in its output pipe).
/// <code>
/// string  = quoted / literal
/// quoted  = DQUOTE *QUOTED-CHAR DQUOTE
/// literal = "{" number "}" CRLF *CHAR8
/// nstring = string / nil
/// astring = 1*ASTRING-CHAR / string
/// </code>
/// </summary>
public static class ImapWire
{
    private const int MaxQuoted = 1024;
    private static readonly byte[] Nil = "NIL"u8.ToArray();
    private static readonly byte[] CrlfBytes = "\r\n"u8.ToArray();

    public static void Raw(IBufferWriter<byte> w, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(w);
        w.Write(bytes);
    }

    /// <summary>Text that is known to be protocol-safe (atoms, response text). Written as UTF-8.</summary>
    public static void Text(IBufferWriter<byte> w, string text)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(text);
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        var span = w.GetSpan(max);
        var n = Encoding.UTF8.GetBytes(text, span);
        w.Advance(n);
    }

    public static void Number(IBufferWriter<byte> w, long value)
    {
        ArgumentNullException.ThrowIfNull(w);
        var span = w.GetSpan(20);
        value.TryFormat(span, out var n, default, CultureInfo.InvariantCulture);
        w.Advance(n);
    }

    public static void Crlf(IBufferWriter<byte> w) => Raw(w, CrlfBytes);

    public static void Space(IBufferWriter<byte> w) => Raw(w, " "u8);

    /// <summary>A string (quoted when possible, else a literal); null is NIL.</summary>
    public static void NString(IBufferWriter<byte> w, string? value)
    {
        if (value is null)
        {
            Raw(w, Nil);
            return;
        }
        String(w, value);
    }

    public static void String(IBufferWriter<byte> w, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (CanQuote(value))
        {
            var span = w.GetSpan((value.Length * 2) + 2);
            var n = 0;
            span[n++] = (byte)'"';
            foreach (var c in value)
            {
                if (c is '"' or '\\')
                {
                    span[n++] = (byte)'\\';
                }
                span[n++] = (byte)c;
            }
            span[n++] = (byte)'"';
            w.Advance(n);
            return;
        }
        Literal(w, Encoding.UTF8.GetBytes(value));
    }

    /// <summary>An astring: an atom when the value is one, else a string.</summary>
    public static void AString(IBufferWriter<byte> w, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (ImapChars.IsAtom(value) && !value.Equals("NIL", StringComparison.OrdinalIgnoreCase))
        {
            Text(w, value);
        }
        else
        {
            String(w, value);
        }
    }

    /// <summary>A mailbox name in modified UTF-7, quoted.</summary>
    public static void Mailbox(IBufferWriter<byte> w, string name) => String(w, ImapMailboxName.ToWire(name));

    /// <summary>
    /// A mailbox name as it is (IMAP4rev2, RFC 9051 5.1): quoted when ASCII, else a literal of its
    /// UTF-8, so no UTF-8 quoted string is ever written (RFC 9051 Appendix A allows them only after ENABLE).
    /// </summary>
    public static void Mailbox(IBufferWriter<byte> w, string name, bool utf8) =>
        String(w, utf8 ? name : ImapMailboxName.ToWire(name));

    public static void Literal(IBufferWriter<byte> w, ReadOnlySpan<byte> bytes)
    {
        LiteralHeader(w, bytes.Length);
        Char8(w, bytes);
    }

    /// <summary>
    /// A literal's data: CHAR8 is any octet but NUL (RFC 3501 and RFC 9051, 9), yet mail that came
    /// in over SMTP may hold NUL. Each NUL goes out as 0x80, as Dovecot sends it: the count stays
    /// what RFC822.SIZE and the literal's header say, and a client's parser is not cut short at the
    /// NUL. BINARY (RFC 3516) is the way to the exact bytes: it answers with a literal8.
    /// </summary>
    public static void Char8(IBufferWriter<byte> w, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(w);
        var nul = bytes.IndexOf((byte)0);
        if (nul < 0)
        {
            w.Write(bytes);
            return;
        }
        var span = w.GetSpan(bytes.Length)[..bytes.Length];
        bytes.CopyTo(span);
        ReplaceNul(span[nul..]);
        w.Advance(bytes.Length);
    }

    /// <summary>In place, for literal data already in the output buffer (see <see cref="Char8"/>).</summary>
    public static void ReplaceNul(Span<byte> bytes) => bytes.Replace((byte)0, (byte)0x80);

    /// <summary>"{n}" CRLF — the caller writes the n bytes next.</summary>
    public static void LiteralHeader(IBufferWriter<byte> w, long length)
    {
        Raw(w, "{"u8);
        Number(w, length);
        Raw(w, "}\r\n"u8);
    }

    /// <summary>flag-list = "(" [flag *(SP flag)] ")"</summary>
    public static void FlagList(IBufferWriter<byte> w, IEnumerable<string> flags)
    {
        ArgumentNullException.ThrowIfNull(flags);
        Raw(w, "("u8);
        var first = true;
        foreach (var f in flags)
        {
            if (!first)
            {
                Space(w);
            }
            Text(w, f);
            first = false;
        }
        Raw(w, ")"u8);
    }

    private static bool CanQuote(string value)
    {
        if (value.Length > MaxQuoted)
        {
            return false;
        }
        foreach (var c in value)
        {
            if (c is '\0' or '\r' or '\n' || c > 0x7f)
            {
                return false;
            }
        }
        return true;
    }
}
