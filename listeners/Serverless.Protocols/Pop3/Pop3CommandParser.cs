using System.Buffers;
using System.Text;

namespace Serverless.Protocols.Pop3;

/// <summary>
/// Parses one POP3 command line (without its CRLF). Keywords are case-insensitive.
/// <code>
/// ; RFC 2449 section 9 (the general form), RFC 1939 section 3
/// command   = keyword *(SP param) CRLF     ; at most 255 octets (we allow 512)
/// keyword   = 3*4VCHAR
/// param     = 1*VCHAR                      ; at most 40 octets each in RFC 1939
/// msg       = 1*DIGIT                      ; a message number, 1 .. number of messages
/// </code>
/// Grammar of each command is given above its parse method.
/// </summary>
public static class Pop3CommandParser
{
    /// <summary>Parses a line from the input buffer (copied only when it spans segments).</summary>
    public static Pop3Command Parse(in ReadOnlySequence<byte> line) =>
        line.IsSingleSegment ? Parse(line.FirstSpan) : Parse((ReadOnlySpan<byte>)line.ToArray());

    public static Pop3Command Parse(ReadOnlySpan<byte> line)
    {
        var space = line.IndexOf((byte)' ');
        var keywordBytes = space < 0 ? line : line[..space];
        var rest = space < 0 ? [] : line[(space + 1)..];
        // Keywords are 3 or 4 printable characters; anything else is reported as unknown, not echoed.
        var keyword = keywordBytes.Length is >= 3 and <= 4 && IsPrintableAscii(keywordBytes)
            ? Encoding.ASCII.GetString(keywordBytes).ToUpperInvariant()
            : "";
        var kind = Keyword(keyword);
        var command = kind switch
        {
            Pop3CommandKind.User => ParseUser(rest),
            Pop3CommandKind.Pass => ParsePass(rest, space >= 0),
            Pop3CommandKind.Apop => new Pop3Command(Pop3CommandKind.Apop),
            Pop3CommandKind.Auth => ParseAuth(rest),
            Pop3CommandKind.List or Pop3CommandKind.Uidl => ParseOptionalMessage(kind, rest),
            Pop3CommandKind.Retr or Pop3CommandKind.Dele => ParseMessage(kind, rest),
            Pop3CommandKind.Top => ParseTop(rest),
            Pop3CommandKind.Unknown => new Pop3Command(Pop3CommandKind.Unknown),
            _ => ParseNoArguments(kind, rest),
        };
        return command with { Keyword = keyword };
    }

    private static Pop3CommandKind Keyword(string keyword) => keyword switch
    {
        "USER" => Pop3CommandKind.User,
        "PASS" => Pop3CommandKind.Pass,
        "APOP" => Pop3CommandKind.Apop,
        "AUTH" => Pop3CommandKind.Auth,
        "STLS" => Pop3CommandKind.Stls,
        "CAPA" => Pop3CommandKind.Capa,
        "STAT" => Pop3CommandKind.Stat,
        "LIST" => Pop3CommandKind.List,
        "RETR" => Pop3CommandKind.Retr,
        "DELE" => Pop3CommandKind.Dele,
        "NOOP" => Pop3CommandKind.Noop,
        "RSET" => Pop3CommandKind.Rset,
        "TOP" => Pop3CommandKind.Top,
        "UIDL" => Pop3CommandKind.Uidl,
        "QUIT" => Pop3CommandKind.Quit,
        _ => Pop3CommandKind.Unknown,
    };

    /// <summary>
    /// <code>
    /// ; RFC 1939 section 7; RFC 6856 allows UTF-8 names
    /// user = "USER" SP name CRLF        ; name: the full mailbox address here
    /// </code>
    /// </summary>
    private static Pop3Command ParseUser(ReadOnlySpan<byte> rest)
    {
        var name = Trim(rest);
        if (name.IsEmpty || name.IndexOf((byte)' ') >= 0)
        {
            return Invalid(Pop3CommandKind.User, "USER needs exactly one argument: the mailbox address");
        }
        return new Pop3Command(Pop3CommandKind.User) { Argument = Utf8(name) };
    }

    /// <summary>
    /// <code>
    /// ; RFC 1939 section 7: the password is the rest of the line, spaces included
    /// pass = "PASS" SP string CRLF
    /// </code>
    /// </summary>
    private static Pop3Command ParsePass(ReadOnlySpan<byte> rest, bool hadSpace)
    {
        if (!hadSpace || rest.IsEmpty)
        {
            return Invalid(Pop3CommandKind.Pass, "PASS needs a password");
        }
        return new Pop3Command(Pop3CommandKind.Pass) { Argument = Utf8(rest) };
    }

    /// <summary>
    /// <code>
    /// ; RFC 5034 section 4
    /// auth-command     = "AUTH" SP sasl-mech [SP initial-response] CRLF
    /// sasl-mech        = 1*20mech-char
    /// mech-char        = UPPER-ALPHA / DIGIT / "-" / "_"     ; compared case-insensitively
    /// initial-response = base64 / "="                       ; "=" is an empty response
    /// ; "AUTH" alone (RFC 1734 clients) asks for the list of mechanisms.
    /// </code>
    /// </summary>
    private static Pop3Command ParseAuth(ReadOnlySpan<byte> rest)
    {
        var trimmed = Trim(rest);
        if (trimmed.IsEmpty)
        {
            return new Pop3Command(Pop3CommandKind.Auth);
        }
        var space = trimmed.IndexOf((byte)' ');
        var mech = space < 0 ? trimmed : trimmed[..space];
        var initial = space < 0 ? [] : Trim(trimmed[(space + 1)..]);
        if (mech.Length > 20 || !IsMechanism(mech))
        {
            return Invalid(Pop3CommandKind.Auth, "Invalid SASL mechanism name");
        }
        if (initial.IndexOf((byte)' ') >= 0)
        {
            return Invalid(Pop3CommandKind.Auth, "AUTH takes a mechanism and at most one initial response");
        }
        return new Pop3Command(Pop3CommandKind.Auth)
        {
            Argument = Encoding.ASCII.GetString(mech).ToUpperInvariant(),
            Argument2 = initial.IsEmpty ? null : Encoding.ASCII.GetString(initial),
        };
    }

    /// <summary>
    /// <code>
    /// ; RFC 1939 section 5
    /// list = "LIST" [SP msg] CRLF
    /// uidl = "UIDL" [SP msg] CRLF
    /// </code>
    /// </summary>
    private static Pop3Command ParseOptionalMessage(Pop3CommandKind kind, ReadOnlySpan<byte> rest)
    {
        var arg = Trim(rest);
        if (arg.IsEmpty)
        {
            return new Pop3Command(kind);
        }
        return ParseMessage(kind, arg);
    }

    /// <summary>
    /// <code>
    /// ; RFC 1939 section 5
    /// retr = "RETR" SP msg CRLF
    /// dele = "DELE" SP msg CRLF
    /// </code>
    /// </summary>
    private static Pop3Command ParseMessage(Pop3CommandKind kind, ReadOnlySpan<byte> rest)
    {
        var arg = Trim(rest);
        if (!TryNumber(arg, out var number) || number == 0)
        {
            return Invalid(kind, arg.IsEmpty ? "A message number is required" : "Invalid message number");
        }
        return new Pop3Command(kind) { Message = number };
    }

    /// <summary>
    /// <code>
    /// ; RFC 1939 section 7
    /// top = "TOP" SP msg SP n CRLF      ; n: non-negative number of body lines
    /// </code>
    /// </summary>
    private static Pop3Command ParseTop(ReadOnlySpan<byte> rest)
    {
        var args = Trim(rest);
        var space = args.IndexOf((byte)' ');
        if (space < 0)
        {
            return Invalid(Pop3CommandKind.Top, "TOP needs a message number and a number of lines");
        }
        var lines = Trim(args[(space + 1)..]);
        if (!TryNumber(Trim(args[..space]), out var number) || number == 0)
        {
            return Invalid(Pop3CommandKind.Top, "Invalid message number");
        }
        if (!TryNumber(lines, out var count, saturate: true))
        {
            return Invalid(Pop3CommandKind.Top, "Invalid number of lines");
        }
        return new Pop3Command(Pop3CommandKind.Top) { Message = number, Lines = count };
    }

    /// <summary>
    /// <code>
    /// stat = "STAT" CRLF   noop = "NOOP" CRLF   rset = "RSET" CRLF   quit = "QUIT" CRLF  ; RFC 1939
    /// capa = "CAPA" CRLF                                                               ; RFC 2449
    /// stls = "STLS" CRLF                                                               ; RFC 2595
    /// </code>
    /// </summary>
    private static Pop3Command ParseNoArguments(Pop3CommandKind kind, ReadOnlySpan<byte> rest) =>
        Trim(rest).IsEmpty ? new Pop3Command(kind) : Invalid(kind, "This command takes no arguments");

    private static Pop3Command Invalid(Pop3CommandKind kind, string error) => new(kind) { Error = error };

    /// <summary>1*DIGIT as an int; with <paramref name="saturate"/>, too large values become int.MaxValue (TOP's line count).</summary>
    private static bool TryNumber(ReadOnlySpan<byte> digits, out int value, bool saturate = false)
    {
        value = 0;
        if (digits.IsEmpty || digits.Length > 20)
        {
            return false;
        }
        long n = 0;
        foreach (var b in digits)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
            n = Math.Min((n * 10) + (b - '0'), (long)int.MaxValue + 1);
        }
        if (n > int.MaxValue)
        {
            if (!saturate)
            {
                return false;
            }
            n = int.MaxValue;
        }
        value = (int)n;
        return true;
    }

    private static bool IsPrintableAscii(ReadOnlySpan<byte> s)
    {
        foreach (var b in s)
        {
            if (b is <= 0x20 or >= 0x7F)
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsMechanism(ReadOnlySpan<byte> mech)
    {
        foreach (var b in mech)
        {
            if (!(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_'))
            {
                return false;
            }
        }
        return true;
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s) => s.Trim((byte)' ');

    private static string Utf8(ReadOnlySpan<byte> s) => Encoding.UTF8.GetString(s);
}
