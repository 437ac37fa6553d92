using System.Text;

namespace Serverless.Protocols.Smtp;

/// <summary>A command line split into its verb and the rest.</summary>
/// <param name="Keyword">The verb as the client wrote it (for replies to unknown commands).</param>
/// <param name="Argument">Everything after the verb and one space; empty if none.</param>
public readonly record struct SmtpCommandLine(SmtpVerb Verb, string Keyword, string Argument);

/// <summary>
/// Splits a command line (without its CRLF) into verb and argument. RFC 5321 4.1.1:
/// <code>
/// command   = verb [ SP argument ] CRLF      ; verbs are case-insensitive
/// verb      = 1*ALPHA                         ; "STARTTLS", "BDAT", "AUTH" ... as registered
/// </code>
/// The line must be valid UTF-8 (RFC 6531 allows UTF-8 in addresses) without control
/// characters other than HTAB; anything else is a 500 5.5.2.
/// </summary>
public static class SmtpCommandParser
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly Dictionary<string, SmtpVerb> Verbs = new(StringComparer.OrdinalIgnoreCase)
    {
        ["HELO"] = SmtpVerb.Helo,
        ["EHLO"] = SmtpVerb.Ehlo,
        ["MAIL"] = SmtpVerb.Mail,
        ["RCPT"] = SmtpVerb.Rcpt,
        ["DATA"] = SmtpVerb.Data,
        ["BDAT"] = SmtpVerb.Bdat,
        ["RSET"] = SmtpVerb.Rset,
        ["NOOP"] = SmtpVerb.Noop,
        ["QUIT"] = SmtpVerb.Quit,
        ["VRFY"] = SmtpVerb.Vrfy,
        ["EXPN"] = SmtpVerb.Expn,
        ["HELP"] = SmtpVerb.Help,
        ["STARTTLS"] = SmtpVerb.StartTls,
        ["AUTH"] = SmtpVerb.Auth,
    };

    public static SmtpParseResult<SmtpCommandLine> Parse(ReadOnlySpan<byte> line)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(line);
        }
        catch (DecoderFallbackException)
        {
            return SmtpParseResult<SmtpCommandLine>.Fail(500, "5.5.2", "Command line is not valid UTF-8");
        }
        foreach (var c in text)
        {
            if (char.IsControl(c) && c != '\t')
            {
                return SmtpParseResult<SmtpCommandLine>.Fail(500, "5.5.2", "Control characters are not allowed in commands");
            }
        }
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        var keyword = space < 0 ? text : text[..space];
        var argument = space < 0 ? "" : text[(space + 1)..];
        if (keyword.Length == 0)
        {
            return SmtpParseResult<SmtpCommandLine>.Fail(500, "5.5.2", "Syntax error, command unrecognized");
        }
        var verb = Verbs.TryGetValue(keyword, out var v) ? v : SmtpVerb.Unknown;
        return SmtpParseResult<SmtpCommandLine>.Success(new SmtpCommandLine(verb, keyword, argument));
    }

    /// <summary>
    /// HELO/EHLO argument. RFC 5321 4.1.1.1:
    /// <code>
    /// ehlo = "EHLO" SP ( Domain / address-literal ) CRLF
    /// helo = "HELO" SP Domain CRLF
    /// </code>
    /// Lenient like every MTA: any single token of printable characters is taken (clients send
    /// bare host names, IPs without brackets); it only ends up in trace headers and SPF's HELO check.
    /// <paramref name="verb"/> (EHLO or HELO) is the one the client sent, named in the syntax reply.
    /// </summary>
    public static SmtpParseResult<string> ParseHelloDomain(string argument, string verb = "EHLO")
    {
        ArgumentNullException.ThrowIfNull(argument);
        var domain = argument.Trim();
        if (domain.Length == 0)
        {
            return SmtpParseResult<string>.Fail(501, "5.5.4", $"Syntax: {verb} hostname");
        }
        var end = domain.IndexOfAny([' ', '\t']);
        if (end >= 0)
        {
            domain = domain[..end]; // some clients add junk after the name; keep the name
        }
        if (domain.Length > 255)
        {
            return SmtpParseResult<string>.Fail(501, "5.5.4", "Host name too long");
        }
        return SmtpParseResult<string>.Success(domain);
    }

    /// <summary>
    /// BDAT argument. RFC 3030 2:
    /// <code>
    /// bdat-cmd   ::= "BDAT" SP chunk-size [ SP end-marker ] CR LF
    /// chunk-size ::= 1*DIGIT
    /// end-marker ::= "LAST"
    /// </code>
    /// </summary>
    public static SmtpParseResult<(long Size, bool Last)> ParseBdat(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 1 or > 2 || parts[0].Length > 18 || !parts[0].All(char.IsAsciiDigit))
        {
            return SmtpParseResult<(long, bool)>.Fail(501, "5.5.4", "Syntax: BDAT chunk-size [LAST]");
        }
        var last = false;
        if (parts.Length == 2)
        {
            if (!parts[1].Equals("LAST", StringComparison.OrdinalIgnoreCase))
            {
                return SmtpParseResult<(long, bool)>.Fail(501, "5.5.4", "Syntax: BDAT chunk-size [LAST]");
            }
            last = true;
        }
        return SmtpParseResult<(long, bool)>.Success((long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), last));
    }

    /// <summary>
    /// AUTH argument. RFC 4954 4:
    /// <code>
    /// auth-command = "AUTH" SP sasl-mech [SP initial-response] CRLF
    /// sasl-mech    = 1*20(UPPER-ALPHA / DIGIT / "-" / "_")
    /// initial-response = base64 / "="
    /// </code>
    /// </summary>
    public static SmtpParseResult<(string Mechanism, string? InitialResponse)> ParseAuth(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 1 or > 2 || parts[0].Length > 20)
        {
            return SmtpParseResult<(string, string?)>.Fail(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");
        }
        return SmtpParseResult<(string, string?)>.Success((parts[0].ToUpperInvariant(), parts.Length == 2 ? parts[1] : null));
    }
}
