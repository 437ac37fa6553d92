using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Serverless.Cli.Rendering;

/// <summary>Table plumbing: cells are plain text (never markup: values come from the API), sizes and times one way everywhere.</summary>
public static class Tables
{
    public static Table Of(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(new Text(column)));
        }
        return table;
    }

    public static Table Row(this Table table, params string?[] cells)
    {
        ArgumentNullException.ThrowIfNull(table);
        return table.AddRow(cells.Select(c => (IRenderable)new Text(c ?? "")).ToArray());
    }

    /// <summary>"(none)" under an empty table, so an empty listing is not mistaken for a failure.</summary>
    public static void Write(CliOutput output, Table table, int rows)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Write(table);
        if (rows == 0)
        {
            output.Line("(none)");
        }
    }

    public static string Time(DateTimeOffset? time) =>
        time?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "";

    /// <summary>Bytes in binary units (1.5 GiB); 0 is "unlimited" where <paramref name="zeroIsUnlimited"/> (quotas).</summary>
    public static string Size(long bytes, bool zeroIsUnlimited = false)
    {
        if (bytes == 0 && zeroIsUnlimited)
        {
            return "unlimited";
        }
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : value.ToString("0.#", CultureInfo.InvariantCulture) + " " + units[unit];
    }
}
