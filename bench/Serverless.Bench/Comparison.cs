using System.Text;

namespace Serverless.Bench;

/// <summary>
/// One side-by-side figure: ours and the peer's, taken by the same client in the same run, judged
/// by the ratio ours / peer of the medians (the issue's targets are ratios).
/// </summary>
internal sealed class Comparison(string name, string unit, Target target)
{
    public string Name { get; } = name;

    public string Unit { get; } = unit;

    public Target Target { get; } = target;

    public List<double> Ours { get; } = [];

    public List<double> Peer { get; } = [];

    public string? Note { get; set; }

    public double Ratio => Median(Ours) / Median(Peer);

    public string Verdict => Ours.Count == 0 || Peer.Count == 0 || double.IsNaN(Ratio) ? "not measured" : Target.IsMet(Ratio) ? "met" : "MISSED";

    public static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>The comparison table (Markdown or aligned text); empty when nothing was compared.</summary>
    public static string Table(IReadOnlyList<Comparison> rows, string peerName, bool markdown)
    {
        if (rows.Count == 0)
        {
            return "";
        }
        string Cell(List<double> v, string unit) => v.Count == 0 ? "—" : Report.Format(Median(v)) + " " + unit + (v.Count > 1 ? $" ({string.Join(" / ", v.Select(Report.Format))})" : "");
        var header = new[] { "figure", "ours", peerName, "ours / peer", "target", "verdict", "note" };
        var cells = rows.Select(r => new[]
        {
            r.Name, Cell(r.Ours, r.Unit), Cell(r.Peer, r.Unit), double.IsNaN(r.Ratio) ? "—" : r.Ratio.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture),
            r.Target.ToString(), r.Verdict, r.Note ?? "",
        }).ToList();
        var sb = new StringBuilder();
        if (markdown)
        {
            sb.AppendLine("| " + string.Join(" | ", header) + " |");
            sb.AppendLine("|" + string.Concat(header.Select(_ => "---|")));
            foreach (var c in cells)
            {
                sb.AppendLine("| " + string.Join(" | ", c.Select(x => x.Replace("|", "\\|", StringComparison.Ordinal))) + " |");
            }
            return sb.ToString();
        }
        var widths = Enumerable.Range(0, header.Length - 1).Select(i => Math.Max(header[i].Length, cells.Max(c => c[i].Length))).ToArray();
        string Line(string[] c) => string.Join("  ", c.Take(header.Length - 1).Select((x, i) => x.PadRight(widths[i]))) + "  " + c[^1];
        sb.AppendLine(Line(header));
        foreach (var c in cells)
        {
            sb.AppendLine(Line(c));
        }
        return sb.ToString();
    }
}
