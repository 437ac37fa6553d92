using System.Globalization;

namespace Serverless.Mail.Sieve.Language;

/// <summary>RFC 5260 §4.2 date-parts of a date, and the zones of :zone.</summary>
public static class SieveDates
{
    public static TimeSpan Offset(string zone) =>
        (zone[0] == '-' ? -1 : 1) * new TimeSpan(int.Parse(zone.AsSpan(1, 2), CultureInfo.InvariantCulture), int.Parse(zone.AsSpan(3, 2), CultureInfo.InvariantCulture), 0);

    public static string? Part(DateTimeOffset d, string part)
    {
        var c = CultureInfo.InvariantCulture;
        var zone = (d.Offset < TimeSpan.Zero ? "-" : "+") + d.Offset.Duration().ToString("hhmm", c);
        return part.ToLowerInvariant() switch
        {
            "year" => d.Year.ToString("D4", c),
            "month" => d.Month.ToString("D2", c),
            "day" => d.Day.ToString("D2", c),
            "date" => d.ToString("yyyy-MM-dd", c),
            // Modified Julian Day: days since 1858-11-17.
            "julian" => ((long)(d.Date - new DateTime(1858, 11, 17)).TotalDays).ToString(c),
            "hour" => d.Hour.ToString("D2", c),
            "minute" => d.Minute.ToString("D2", c),
            "second" => d.Second.ToString("D2", c),
            "time" => d.ToString("HH:mm:ss", c),
            "iso8601" => d.ToString("yyyy-MM-dd'T'HH:mm:ss", c) + zone[..3] + ":" + zone[3..],
            "std11" => d.ToString("ddd, dd MMM yyyy HH:mm:ss ", c) + zone,
            "zone" => zone,
            "weekday" => ((int)d.DayOfWeek).ToString(c),
            _ => null,
        };
    }
}
