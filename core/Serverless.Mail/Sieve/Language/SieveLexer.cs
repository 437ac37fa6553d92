using System.Text;

namespace Serverless.Mail.Sieve.Language;

/// <summary>
/// Splits a script into tokens. RFC 5228 §8.1:
/// <code>
/// bracket-comment = "/*" *not-star 1*STAR *(not-star-slash *not-star 1*STAR) "/"
/// hash-comment    = "#" *octet-not-crlf CRLF
/// identifier      = (ALPHA / "_") *(ALPHA / DIGIT / "_")
/// tag             = ":" identifier
/// number          = 1*DIGIT [ QUANTIFIER ]
/// QUANTIFIER      = "K" / "M" / "G"
/// quoted-string   = DQUOTE quoted-text DQUOTE        ; \" and \\ escape; "\x" for another x is "x"
/// multi-line      = "text:" *(SP / HTAB) (hash-comment / CRLF)
///                   *(multiline-literal / multiline-dotstart) "." CRLF   ; ".." at a line start is "."
/// white-space     = 1*(SP / CRLF / HTAB) / comment
/// </code>
/// Bare LF line ends are taken as CRLF (scripts edited on Unix); multi-line text comes out with CRLF.
/// </summary>
public static class SieveLexer
{
    public static List<SieveToken> Tokenize(string script)
    {
        ArgumentNullException.ThrowIfNull(script);
        var tokens = new List<SieveToken>();
        var line = 1;
        var i = 0;
        while (true)
        {
            SkipSpace(script, ref i, ref line);
            if (i >= script.Length)
            {
                tokens.Add(new SieveToken(SieveTokenKind.End, "", 0, line));
                return tokens;
            }
            var c = script[i];
            var start = line;
            switch (c)
            {
                case '[': tokens.Add(new(SieveTokenKind.LeftBracket, "[", 0, line)); i++; continue;
                case ']': tokens.Add(new(SieveTokenKind.RightBracket, "]", 0, line)); i++; continue;
                case '(': tokens.Add(new(SieveTokenKind.LeftParen, "(", 0, line)); i++; continue;
                case ')': tokens.Add(new(SieveTokenKind.RightParen, ")", 0, line)); i++; continue;
                case '{': tokens.Add(new(SieveTokenKind.LeftBrace, "{", 0, line)); i++; continue;
                case '}': tokens.Add(new(SieveTokenKind.RightBrace, "}", 0, line)); i++; continue;
                case ',': tokens.Add(new(SieveTokenKind.Comma, ",", 0, line)); i++; continue;
                case ';': tokens.Add(new(SieveTokenKind.Semicolon, ";", 0, line)); i++; continue;
                case '"': tokens.Add(new(SieveTokenKind.String, QuotedString(script, ref i, ref line), 0, start)); continue;
                case ':':
                    i++;
                    if (i >= script.Length || !IsIdentifierStart(script[i]))
                    {
                        throw new SieveSyntaxException(line, "a tag needs a name after ':'");
                    }
                    tokens.Add(new(SieveTokenKind.Tag, Identifier(script, ref i).ToLowerInvariant(), 0, line));
                    continue;
            }
            if (char.IsAsciiDigit(c))
            {
                tokens.Add(new(SieveTokenKind.Number, "", Number(script, ref i, line), line));
                continue;
            }
            if (IsIdentifierStart(c))
            {
                var name = Identifier(script, ref i);
                if (string.Equals(name, "text", StringComparison.OrdinalIgnoreCase) && i < script.Length && script[i] == ':')
                {
                    i++;
                    tokens.Add(new(SieveTokenKind.String, MultiLine(script, ref i, ref line), 0, start));
                    continue;
                }
                tokens.Add(new(SieveTokenKind.Identifier, name.ToLowerInvariant(), 0, line));
                continue;
            }
            throw new SieveSyntaxException(line, $"unexpected character '{(char.IsControl(c) ? $"U+{(int)c:X4}" : c.ToString())}'");
        }
    }

    private static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static string Identifier(string s, ref int i)
    {
        var start = i;
        while (i < s.Length && (char.IsAsciiLetterOrDigit(s[i]) || s[i] == '_'))
        {
            i++;
        }
        return s[start..i];
    }

    private static long Number(string s, ref int i, int line)
    {
        long value = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            value = value * 10 + (s[i] - '0');
            if (value > int.MaxValue)
            {
                throw new SieveSyntaxException(line, "number too large");
            }
            i++;
        }
        if (i < s.Length && "KkMmGg".Contains(s[i], StringComparison.Ordinal))
        {
            value *= char.ToUpperInvariant(s[i]) switch { 'K' => 1L << 10, 'M' => 1L << 20, _ => 1L << 30 };
            i++;
        }
        if (i < s.Length && IsIdentifierStart(s[i]))
        {
            throw new SieveSyntaxException(line, "a number must be followed by a space or a delimiter");
        }
        return value;
    }

    private static string QuotedString(string s, ref int i, ref int line)
    {
        var startLine = line;
        var sb = new StringBuilder();
        i++; // opening quote
        while (true)
        {
            if (i >= s.Length)
            {
                throw new SieveSyntaxException(startLine, "unterminated string");
            }
            var c = s[i++];
            if (c == '"')
            {
                return sb.ToString();
            }
            if (c == '\\')
            {
                if (i >= s.Length)
                {
                    throw new SieveSyntaxException(startLine, "unterminated string");
                }
                c = s[i++];
            }
            if (c == '\n')
            {
                line++;
                if (sb.Length == 0 || sb[^1] != '\r')
                {
                    sb.Append('\r');
                }
            }
            sb.Append(c);
        }
    }

    private static string MultiLine(string s, ref int i, ref int line)
    {
        var startLine = line;
        while (i < s.Length && (s[i] == ' ' || s[i] == '\t'))
        {
            i++;
        }
        if (i < s.Length && s[i] == '#')
        {
            while (i < s.Length && s[i] != '\n')
            {
                i++;
            }
        }
        if (i < s.Length && s[i] == '\r')
        {
            i++;
        }
        if (i >= s.Length || s[i] != '\n')
        {
            throw new SieveSyntaxException(line, "text: must be followed by the end of the line");
        }
        i++;
        line++;
        var sb = new StringBuilder();
        while (true)
        {
            if (i >= s.Length)
            {
                throw new SieveSyntaxException(startLine, "multi-line string not ended by a line with a single '.'");
            }
            var end = s.IndexOf('\n', i);
            var raw = end < 0 ? s[i..] : s[i..end];
            i = end < 0 ? s.Length : end + 1;
            line++;
            var text = raw.EndsWith('\r') ? raw[..^1] : raw;
            if (text == ".")
            {
                return sb.ToString();
            }
            if (text.StartsWith("..", StringComparison.Ordinal))
            {
                text = text[1..];
            }
            sb.Append(text).Append("\r\n");
        }
    }

    private static void SkipSpace(string s, ref int i, ref int line)
    {
        while (i < s.Length)
        {
            var c = s[i];
            if (c == '\n')
            {
                line++;
                i++;
            }
            else if (c is ' ' or '\t' or '\r')
            {
                i++;
            }
            else if (c == '#')
            {
                while (i < s.Length && s[i] != '\n')
                {
                    i++;
                }
            }
            else if (c == '/' && i + 1 < s.Length && s[i + 1] == '*')
            {
                var startLine = line;
                var end = s.IndexOf("*/", i + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    throw new SieveSyntaxException(startLine, "unterminated /* comment");
                }
                for (var k = i; k < end; k++)
                {
                    if (s[k] == '\n')
                    {
                        line++;
                    }
                }
                i = end + 2;
            }
            else
            {
                return;
            }
        }
    }
}
