using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Serverless.Bench.Stack;
using Serverless.Mail.Index;

namespace Serverless.Bench.Scenarios;

/// <summary>
/// Where the feed phase's latency goes, message by message (UID n is the n-th message sent): its
/// <c>250</c>, the ingest beginning its hand-off and committing it (dev host, this process), the
/// change feed entry that covers it written (dev host) and read by the listener process's tail
/// (that process's debug log), and the <c>* n EXISTS</c> at the client. All times are the machine's
/// UTC clock in Unix ms, so the two processes' events line up.
/// </summary>
internal sealed partial class FeedStages
{
    private readonly string _mailboxId;
    private readonly ConcurrentQueue<(long At, long UidNext)> _committed = new();
    private readonly ConcurrentQueue<(long At, long UidNext)> _read = new();

    public FeedStages(string mailboxId) => _mailboxId = mailboxId;

    /// <summary>
    /// Environment for the listener process: its tail logs each notice it reads, and it follows the
    /// feed as set with <c>--set Mail:ChangeFeed:…</c>. With <paramref name="mx"/> it is the MX as
    /// well, so it takes the dev host's other settings too (the loopback DNS server, <c>--set</c>
    /// limits), all but the dev host's own ports and logging.
    /// </summary>
    public static Dictionary<string, string> ListenerEnvironment(IReadOnlyDictionary<string, string?> settings, bool mx = false)
    {
        var environment = new Dictionary<string, string>();
        foreach (var (key, value) in settings)
        {
            var passed = key.StartsWith("Mail:ChangeFeed:", StringComparison.Ordinal)
                || (mx && key.StartsWith("Mail:", StringComparison.Ordinal) && !OwnedByTheDevHost.Any(p => key.StartsWith(p, StringComparison.Ordinal)));
            if (passed && value is not null)
            {
                environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
            }
        }
        environment["Logging__LogLevel__Serverless.Mail.Feed.ChangeFeedReader"] = "Debug";
        environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        return environment;
    }

    private static readonly string[] OwnedByTheDevHost = ["Mail:Listeners:Ports:", "Mail:Api:", "Mail:DevHost:"];

    /// <summary>For <see cref="MailboxIndex.FolderWritten"/> in the dev host: the index commit of each new message.</summary>
    public void OnFolderWritten(string mailboxId, int folderId, FolderDelta? delta)
    {
        if (mailboxId == _mailboxId && folderId == SpecialUse.InboxId && delta is not null && delta.UidNext > delta.FromUidNext)
        {
            _committed.Enqueue((DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), delta.UidNext));
        }
    }

    /// <summary>A line the listener process printed; true if it was the tail's notice log (consumed).</summary>
    public bool OnListenerLine(string line)
    {
        var m = ReadLine().Match(line);
        if (m.Success)
        {
            if (m.Groups[1].Value == _mailboxId && m.Groups[2].Value == SpecialUse.InboxId.ToString(CultureInfo.InvariantCulture))
            {
                _read.Enqueue((long.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)));
            }
            return true;
        }
        return line.StartsWith("dbug: ", StringComparison.Ordinal);
    }

    /// <summary>One detail line per stage: p50 / p90 / p99 / max over the messages where both ends were seen.</summary>
    public IEnumerable<string> Describe(IReadOnlyList<long> sent, IReadOnlyList<(int Count, long At)> exists, IReadOnlyList<StageEvent> devHost)
    {
        var n = sent.Count;
        var dequeued = devHost.Where(e => e.Category.EndsWith("InboundIngest", StringComparison.Ordinal)).Select(e => e.AtMs).ToList();
        var written = devHost.Where(e => e.Category.EndsWith("ChangeFeedWriter", StringComparison.Ordinal) && e.Values.TryGetValue("MailboxId", out var m) && (m as string) == _mailboxId)
            .Select(e => (At: e.AtMs, UidNext: e.Long("UidNext"))).ToList();
        var stages = new (string Name, long?[] At)[]
        {
            ("250", [.. sent.Select(s => (long?)s)]),
            ("ingest began", [.. Enumerable.Range(0, n).Select(k => dequeued.Count == n ? dequeued[k] : (long?)null)]),
            ("index committed", Covering(_committed.ToList(), n)),
            ("feed entry written", Covering(written, n)),
            ("listener's tail read it", Covering(_read.ToList(), n)),
            ("* n EXISTS at the client", [.. Enumerable.Range(1, n).Select(u => exists.FirstOrDefault(e => e.Count >= u) is { Count: > 0 } e ? e.At : (long?)null)]),
        };
        if (dequeued.Count != n)
        {
            yield return $"stages: {dequeued.Count} ingest starts for {n} messages (other mail?): that stage is left out";
        }
        for (var s = 1; s < stages.Length; s++)
        {
            // From the nearest earlier stage that was seen, so a missing one does not hide the rest.
            var from = Enumerable.Range(0, s).Reverse().First(p => p == 0 || stages[p].At.Any(a => a is not null));
            var spans = Enumerable.Range(0, n).Where(k => stages[from].At[k] is not null && stages[s].At[k] is not null)
                .Select(k => (double)(stages[s].At[k]!.Value - stages[from].At[k]!.Value)).Order().ToList();
            yield return spans.Count == 0
                ? $"stage {stages[from].Name} → {stages[s].Name}: not seen"
                : $"stage {stages[from].Name} → {stages[s].Name}: p50 {Pct(spans, 0.5):0} ms, p90 {Pct(spans, 0.9):0}, p99 {Pct(spans, 0.99):0}, max {spans[^1]:0} ({spans.Count} messages)";
        }
    }

    /// <summary>For UID 1..n, when the first event whose UIDNEXT is past it happened.</summary>
    private static long?[] Covering(List<(long At, long UidNext)> events, int n) =>
        [.. Enumerable.Range(1, n).Select(u => events.Where(e => e.UidNext > u).Select(e => (long?)e.At).FirstOrDefault())];

    public static double Pct(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    [GeneratedRegex(@"Change feed read (\S+)/(\d+) MODSEQ \d+ UIDNEXT (\d+): stamped \d+, read (\d+)")]
    private static partial Regex ReadLine();
}
