using System.Runtime.InteropServices;

namespace Serverless.Fuzz;

/// <summary>
/// The edge-coverage map SharpFuzz's instrumentation writes to (AFL layout: 64 KiB of hit counters
/// indexed by a hash of the previous and current branch). Assemblies rewritten by
/// <c>instrument</c> bump a counter at every branch; uninstrumented ones leave the map empty, and
/// the fuzzer then mutates without guidance. After each run the counters are bucketed (1, 2, 3,
/// 4–7, 8–15, …) and compared with everything seen so far, as libFuzzer and AFL do.
/// </summary>
internal sealed unsafe class CoverageMap : IDisposable
{
    public const int Size = 1 << 16;

    private readonly byte* _map;
    private readonly byte[] _seen = new byte[Size];

    public CoverageMap()
    {
        _map = (byte*)NativeMemory.AllocZeroed(Size);
        SharpFuzz.Common.Trace.SharedMem = _map;
        SharpFuzz.Common.Trace.PrevLocation = 0;
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

    public void Dispose()
    {
        SharpFuzz.Common.Trace.SharedMem = null;
        NativeMemory.Free(_map);
    }
}
