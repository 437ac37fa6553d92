using System.Globalization;
using System.Text;

namespace Serverless.Bench;

/// <summary>A target a figure is judged against; a figure without one is informational.</summary>
internal sealed record Target(double Limit, bool AtLeast)
{
    public static Target Min(double limit) => new(limit, true);

    public static Target Max(double limit) => new(limit, false);

    public bool IsMet(double value) => AtLeast ? value >= Limit : value <= Limit;

    public override string ToString() => (AtLeast ? "≥ " : "≤ ") + Report.Format(Limit);
}

/// <summary>One printed figure: every run's value, judged by its median.</summary>
internal sealed class Figure(string name, string unit, Target? target)
{
    public string Name { get; } = name;

    public string Unit { get; } = unit;

    public Target? Target { get; } = target;

    public List<double> Values { get; } = [];

    public string? Note { get; set; }

    public double Median
    {
        get
        {
            var sorted = Values.Order().ToList();
            return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
        }
    }

    public string Verdict => Values.Count == 0 ? "not measured" : Target is null ? "" : Target.IsMet(Median) ? "met" : "MISSED";
}

/// <summary>Collects figures and details; prints them as they come and as one table at the end.</summary>
internal sealed class Report
{
    private readonly List<Figure> _figures = [];
    private readonly List<string> _details = [];
    private readonly List<Comparison> _comparisons = [];

    public void Add(string name, double value, string unit, Target? target = null, string? note = null)
    {
        var figure = _figures.FirstOrDefault(f => f.Name == name);
        if (figure is null)
        {
            figure = new Figure(name, unit, target);
            _figures.Add(figure);
        }
        figure.Values.Add(value);
        if (note is not null)
        {
            figure.Note = note;
        }
        var verdict = target is null ? "" : target.IsMet(value) ? "  [met]" : "  [MISSED]";
        Console.WriteLine($"  {name}: {Format(value)} {unit}{(target is null ? "" : $" (target {target})")}{verdict}{(note is null ? "" : "  — " + note)}");
    }

    /// <summary>A figure that could not be taken, with the reason (shown in the table, never silently dropped).</summary>
    public void NotMeasured(string name, string unit, Target? target, string reason)
    {
        if (_figures.All(f => f.Name != name))
        {
            _figures.Add(new Figure(name, unit, target) { Note = reason });
        }
        Console.WriteLine($"  {name}: not measured — {reason}");
    }

    public void Detail(string line)
    {
        _details.Add(line);
        Console.WriteLine("    " + line);
    }

    public static string Format(double v) =>
        double.IsNaN(v) ? "—" : Math.Abs(v) >= 100 ? v.ToString("#,0", CultureInfo.InvariantCulture)
        : Math.Abs(v) >= 10 ? v.ToString("0.0", CultureInfo.InvariantCulture) : v.ToString("0.00", CultureInfo.InvariantCulture);

    public string Table(bool markdown)
    {
        var sb = new StringBuilder();
        var rows = _figures.Select(f => new[]
        {
            f.Name,
            f.Values.Count == 0 ? "—" : Format(f.Median) + " " + f.Unit,
            f.Values.Count > 1 ? string.Join(" / ", f.Values.Select(Format)) : "",
            f.Target?.ToString() ?? "",
            f.Verdict,
            f.Note ?? "",
        }).ToList();
        var header = new[] { "figure", "value (median)", "runs", "target", "verdict", "note" };
        if (markdown)
        {
            sb.AppendLine("| " + string.Join(" | ", header) + " |");
            sb.AppendLine("|" + string.Concat(header.Select(_ => "---|")));
            foreach (var r in rows)
            {
                sb.AppendLine("| " + string.Join(" | ", r.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))) + " |");
            }
            return sb.ToString();
        }
        var widths = Enumerable.Range(0, header.Length - 1).Select(i => Math.Max(header[i].Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        string Line(string[] r) => string.Join("  ", r.Take(header.Length - 1).Select((c, i) => c.PadRight(widths[i]))) + "  " + r[^1];
        sb.AppendLine(Line(header));
        foreach (var r in rows)
        {
            sb.AppendLine(Line(r));
        }
        return sb.ToString();
    }

    /// <summary>Records one side of a side-by-side figure (<paramref name="peer"/> false: ours).</summary>
    public void Compare(string name, string unit, bool peer, double value, string? note = null)
    {
        var row = _comparisons.FirstOrDefault(c => c.Name == name);
        if (row is null)
        {
            row = new Comparison(name, unit, Target.Min(1.0));
            _comparisons.Add(row);
        }
        (peer ? row.Peer : row.Ours).Add(value);
        if (note is not null)
        {
            row.Note = row.Note is null ? note : row.Note + "; " + note;
        }
        Console.WriteLine($"  {name}, {(peer ? "peer" : "ours")}: {Format(value)} {unit}{(note is null ? "" : "  — " + note)}");
    }

    public IReadOnlyList<Comparison> Comparisons => _comparisons;

    public IReadOnlyList<Figure> Figures => _figures;

    public IReadOnlyList<string> Details => _details;
}
