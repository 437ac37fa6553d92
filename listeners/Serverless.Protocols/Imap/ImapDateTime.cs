using System.Globalization;

namespace Serverless.Protocols.Imap;

/// <summary>
/// IMAP dates.
/// <code>
/// date-time       = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE
/// date-day-fixed  = (SP DIGIT) / 2DIGIT
/// date-month      = "Jan" / "Feb" / "Mar" / "Apr" / "May" / "Jun" / "Jul" / "Aug" / "Sep" / "Oct" / "Nov" / "Dec"
/// date-year       = 4DIGIT
/// time            = 2DIGIT ":" 2DIGIT ":" 2DIGIT
/// zone            = ("+" / "-") 4DIGIT
/// date            = date-text / DQUOTE date-text DQUOTE
/// date-text       = date-day "-" date-month "-" date-year
/// date-day        = 1*2DIGIT
/// </code>
/// </summary>
public static class ImapDateTime
{
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>Formats an INTERNALDATE value (without the quotes).</summary>
    public static string Format(DateTimeOffset value)
    {
        var offset = value.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        var abs = offset.Duration();
        return string.Create(CultureInfo.InvariantCulture,
            $"{value.Day:00}-{Months[value.Month - 1]}-{value.Year:0000} {value.Hour:00}:{value.Minute:00}:{value.Second:00} {sign}{abs.Hours:00}{abs.Minutes:00}");
    }

    /// <summary>Parses the text of a date-time (without quotes).</summary>
    public static DateTimeOffset ParseDateTime(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        // "dd-Mon-yyyy hh:mm:ss +zzzz" with the day possibly space-padded
        var t = text.StartsWith(' ') ? "0" + text[1..] : text.Length == 25 ? "0" + text : text;
        if (t.Length != 26 || t[2] != '-' || t[6] != '-' || t[11] != ' ' || t[14] != ':' || t[17] != ':' || t[20] != ' ' || t[21] is not ('+' or '-'))
        {
            throw new ImapParseException("Invalid date-time");
        }
        var day = Digits(t, 0, 2);
        var month = Month(t.Substring(3, 3));
        var year = Digits(t, 7, 4);
        var hour = Digits(t, 12, 2);
        var minute = Digits(t, 15, 2);
        var second = Digits(t, 18, 2);
        var zh = Digits(t, 22, 2);
        var zm = Digits(t, 24, 2);
        if (zm > 59 || zh > 14)
        {
            throw new ImapParseException("Invalid time zone");
        }
        var offset = new TimeSpan(zh, zm, 0) * (t[21] == '-' ? -1 : 1);
        try
        {
            return new DateTimeOffset(year, month, day, hour, minute, second, offset);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ImapParseException("Invalid date-time", e);
        }
    }

    /// <summary>Parses a date-text ("1-Feb-1994").</summary>
    public static DateOnly ParseDate(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('-');
        if (parts.Length != 3 || parts[0].Length is < 1 or > 2 || parts[2].Length != 4)
        {
            throw new ImapParseException("Invalid date");
        }
        try
        {
            return new DateOnly(Digits(parts[2], 0, 4), Month(parts[1]), Digits(parts[0], 0, parts[0].Length));
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ImapParseException("Invalid date", e);
        }
    }

    private static int Month(string name)
    {
        for (var i = 0; i < Months.Length; i++)
        {
            if (string.Equals(Months[i], name, StringComparison.OrdinalIgnoreCase))
            {
                return i + 1;
            }
        }
        throw new ImapParseException("Invalid month");
    }

    private static int Digits(string s, int start, int count)
    {
        var n = 0;
        for (var i = start; i < start + count; i++)
        {
            if (!char.IsAsciiDigit(s[i]))
            {
                throw new ImapParseException("Invalid date");
            }
            n = (n * 10) + (s[i] - '0');
        }
        return n;
    }
}
