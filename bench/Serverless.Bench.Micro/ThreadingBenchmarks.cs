using BenchmarkDotNet.Attributes;
using Serverless.Protocols.Imap;

namespace Serverless.Bench.Micro;

/// <summary>
/// THREAD and SORT over a 100,000-message folder, from the fields the index gives (what
/// ThreadCommand and SortCommand compute on after reading summaries): a mailing-list-like folder
/// (threads of 1-40 messages, References truncated to the last 10 ids, some parents missing,
/// subjects with Re:/Fwd:/[list] prefixes), and the worst shape for stack depth: one chain of
/// 100,000 replies. Time and allocation per whole command response.
/// </summary>
[MemoryDiagnoser]
public class ThreadingBenchmarks
{
    private const int Count = 100_000;
    private static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private ThreadMessage[] _list = [];
    private ThreadMessage[] _chain = [];
    private SortFields[] _sort = [];
    private string[] _subjects = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(5256);
        var list = new List<ThreadMessage>(Count);
        var subjects = new List<string>(Count);
        var thread = 0;
        while (list.Count < Count)
        {
            thread++;
            var size = Math.Min(Count - list.Count, random.Next(1, 41));
            var ids = new List<string>();
            var topic = $"[list] topic {thread % 20_000} about things";
            for (var k = 0; k < size; k++)
            {
                var id = $"m{list.Count}@bench";
                var parent = k == 0 ? -1 : random.Next(Math.Max(0, ids.Count - 5), ids.Count);
                IReadOnlyList<string> refs = parent < 0 ? [] : [.. ids.Take(parent + 1).TakeLast(10)];
                if (k > 0 && random.Next(20) == 0)
                {
                    refs = ["missing" + thread + "@bench"];
                }
                var subject = k == 0 ? topic : (random.Next(3) == 0 ? "Fwd: Re: " : "Re: ") + topic;
                subjects.Add(subject);
                var (key, marked) = ImapBaseSubject.Extract(subject);
                list.Add(new ThreadMessage(list.Count + 1, id, refs, key, marked, Start.AddMinutes(list.Count + random.Next(-600, 600))));
                ids.Add(id);
            }
        }
        _list = [.. list];
        _subjects = [.. subjects];
        _chain = [.. Enumerable.Range(1, Count).Select(i => new ThreadMessage(i, "c" + i, i == 1 ? [] : ["c" + (i - 1)], "CHAIN", i > 1, Start.AddMinutes(i)))];
        _sort = [.. _list.Select(m => new SortFields((int)m.Number, m.Sent, m.Sent, m.Number * 37 % 9973, m.Subject, "from" + (m.Number % 977), "to", "", "From " + (m.Number % 977), "to"))];
    }

    [Benchmark(Description = "THREAD=REFERENCES, 100k list folder (incl. response text)")]
    public int References() => ImapThreading.Format(ImapThreading.References(_list)).Length;

    [Benchmark(Description = "THREAD=REFERENCES, one 100k-deep chain")]
    public int ReferencesChain() => ImapThreading.Format(ImapThreading.References(_chain)).Length;

    [Benchmark(Description = "THREAD=ORDEREDSUBJECT, 100k list folder")]
    public int OrderedSubject() => ImapThreading.Format(ImapThreading.OrderedSubject(_list)).Length;

    [Benchmark(Description = "SORT (SUBJECT REVERSE DATE), 100k")]
    public int Sort()
    {
        var copy = _sort.ToList();
        copy.Sort(ImapSortOrder.For([new SortCriterion("SUBJECT", false), new SortCriterion("DATE", true)]));
        return copy[0].Number;
    }

    [Benchmark(Description = "Base subject of 100k subjects")]
    public int BaseSubjects()
    {
        var n = 0;
        foreach (var s in _subjects)
        {
            n += ImapBaseSubject.Extract(s).Key.Length;
        }
        return n;
    }
}
