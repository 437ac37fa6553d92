using System.Text;

namespace Serverless.Mail.Sieve.Scripts;

/// <summary>
/// The script the ingest runs when a managed vacation is on: the user's own script with a
/// generated <c>vacation</c> action placed after its <c>require</c> commands (RFC 5228 3.2: they
/// must come first) and before anything else, so a <c>stop</c> or <c>discard</c> in the user's
/// rules cannot silence it. The <c>until</c> date is checked in code when the script is read, not
/// in the script (no dependency on the date extension's output formats).
/// </summary>
public static class ManagedVacation
{
    /// <summary>The name <see cref="ActiveSieveScript.Name"/> carries when only the managed rule is active.</summary>
    public const string ScriptName = "managed-vacation";

    private const string Crlf = "\r\n";

    /// <summary>The text to run: null when there is neither a user script nor an applicable vacation.</summary>
    public static string? Compose(string? userScript, VacationSettings? vacation, DateTimeOffset now)
    {
        if (vacation is null || !vacation.ActiveAt(now))
        {
            return userScript;
        }
        var rule = Rule(vacation);
        var user = userScript ?? "";
        var end = RequireBlockEnd(user);
        var text = new StringBuilder(user.Length + rule.Length + 64);
        text.Append("require \"vacation\";").Append(Crlf);
        if (end > 0)
        {
            text.Append(user, 0, end).Append(Crlf);
        }
        text.Append(rule).Append(Crlf);
        text.Append(user, end, user.Length - end);
        return text.ToString();
    }

    /// <summary>The generated action, e.g. <c>vacation :days 7 :subject "Away" :from "a@b" "text";</c>.</summary>
    public static string Rule(VacationSettings vacation)
    {
        ArgumentNullException.ThrowIfNull(vacation);
        var rule = new StringBuilder("# Managed vacation (set through the API)").Append(Crlf).Append("vacation :days ").Append(vacation.Days);
        if (vacation.Subject is { } subject)
        {
            rule.Append(" :subject ").Append(Quote(subject));
        }
        if (vacation.From is { } from)
        {
            rule.Append(" :from ").Append(Quote(from));
        }
        rule.Append(' ').Append(Quote(vacation.Body ?? "")).Append(';');
        return rule.ToString();
    }

    /// <summary>A Sieve quoted-string (RFC 5228 2.4.2): backslash and quote escaped, line ends as CRLF.</summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var normalized = value.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Replace("\n", Crlf, StringComparison.Ordinal);
        return "\"" + normalized.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>
    /// Where the script's leading <c>require</c> commands end (just after the last one's ";"), or 0.
    /// Only the lexical shape of <c>require "x";</c> / <c>require ["x", "y"];</c> with comments and
    /// white space between is recognised — not a Sieve parser: the script was checked when stored.
    /// </summary>
    public static int RequireBlockEnd(string script)
    {
        ArgumentNullException.ThrowIfNull(script);
        var end = 0;
        var p = 0;
        while (true)
        {
            p = SkipSpace(script, p);
            if (p < 0 || string.Compare(script, p, "require", 0, 7, StringComparison.OrdinalIgnoreCase) != 0
                || (p + 7 < script.Length && (char.IsAsciiLetterOrDigit(script[p + 7]) || script[p + 7] == '_')))
            {
                return end;
            }
            p = SkipSpace(script, p + 7);
            if (p < 0)
            {
                return end;
            }
            if (script[p] == '[')
            {
                p++;
                while (true)
                {
                    p = SkipSpace(script, p);
                    p = p < 0 ? -1 : SkipQuoted(script, p);
                    p = p < 0 ? -1 : SkipSpace(script, p);
                    if (p < 0)
                    {
                        return end;
                    }
                    if (script[p] == ']')
                    {
                        p++;
                        break;
                    }
                    if (script[p] != ',')
                    {
                        return end;
                    }
                    p++;
                }
            }
            else if ((p = SkipQuoted(script, p)) < 0)
            {
                return end;
            }
            p = SkipSpace(script, p);
            if (p < 0 || script[p] != ';')
            {
                return end;
            }
            end = ++p;
        }
    }

    /// <summary>Past white space, "#" and "/* */" comments; -1 at the end of the text or an unclosed comment.</summary>
    private static int SkipSpace(string s, int p)
    {
        while (p < s.Length)
        {
            if (s[p] is ' ' or '\t' or '\r' or '\n')
            {
                p++;
            }
            else if (s[p] == '#')
            {
                var nl = s.IndexOf('\n', p);
                p = nl < 0 ? s.Length : nl + 1;
            }
            else if (s[p] == '/' && p + 1 < s.Length && s[p + 1] == '*')
            {
                var close = s.IndexOf("*/", p + 2, StringComparison.Ordinal);
                if (close < 0)
                {
                    return -1;
                }
                p = close + 2;
            }
            else
            {
                return p;
            }
        }
        return -1;
    }

    /// <summary>Past a quoted string starting at <paramref name="p"/>; -1 when there is none.</summary>
    private static int SkipQuoted(string s, int p)
    {
        if (s[p] != '"')
        {
            return -1;
        }
        for (p++; p < s.Length; p++)
        {
            if (s[p] == '\\')
            {
                p++;
            }
            else if (s[p] == '"')
            {
                return p + 1;
            }
        }
        return -1;
    }
}
