using System.Runtime.InteropServices;

namespace Serverless.Fuzz;

/// <summary>
/// The edge-coverage map SharpFuzz's instrumentation writes to (AFL layout: 64 KiB of hit counters
/// indexed by a hash of the previous and current branch). Assemblies rewritten by
/// <c>instrument</c> bump a counter at every branch; uninstrumented ones leave the map empty, and
/// the fuzzer then mutates without guidance. After each run the counters are bucketed (1, 2, 3,
/// 4–7, 8–15, …) and compared with everything seen so far, as libFuzzer and AFL do.
/// </summary>
public sealed unsafe class CoverageMap
{
    public const int Size = 1 << 16;

    private static readonly Lazy<CoverageMap> Instance = new(() => new CoverageMap());

    private readonly byte* _map;
    private byte[] _seen = new byte[Size];

    private CoverageMap()
    {
        // Lives as long as the process: instrumented code may run at any time once loaded.
        _map = (byte*)NativeMemory.AllocZeroed(Size);
        SharpFuzz.Common.Trace.SharedMem = _map;
        SharpFuzz.Common.Trace.PrevLocation = 0;
    }

    /// <summary>The process's map, installed on first use. Install it before anything instrumented runs.</summary>
    public static CoverageMap Shared => Instance.Value;

    /// <summary>Forgets what was seen (a new run).</summary>
    public void Reset()
    {
        _ = TakeNewCoverage();
        _seen = new byte[Size];
        Edges = 0;
    }

    /// <summary>Edges seen at least once.</summary>
    public int Edges { get; private set; }

    /// <summary>Merges the last run into what was seen; true if it reached an edge or a hit-count bucket never seen before. Clears the map.</summary>
    public bool TakeNewCoverage()
    {
        var words = new Span<ulong>(_map, Size / sizeof(ulong));
        var found = false;
        for (var w = 0; w < words.Length; w++)
        {
            if (words[w] == 0)
            {
                continue;
            }
            for (var i = w * 8; i < (w * 8) + 8; i++)
            {
                var hits = _map[i];
                if (hits == 0)
                {
                    continue;
                }
                var bucket = Bucket(hits);
                if ((_seen[i] & bucket) == 0)
                {
                    if (_seen[i] == 0)
                    {
                        Edges++;
                    }
                    _seen[i] |= bucket;
                    found = true;
                }
            }
            words[w] = 0;
        }
        SharpFuzz.Common.Trace.PrevLocation = 0;
        return found;
    }

    private static byte Bucket(byte hits) => hits switch
    {
        1 => 1,
        2 => 2,
        3 => 4,
        < 8 => 8,
        < 16 => 16,
        < 32 => 32,
        < 128 => 64,
        _ => 128,
    };
}
