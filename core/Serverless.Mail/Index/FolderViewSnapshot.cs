using System.Buffers;
using System.Text;

namespace Serverless.Mail.Index;

/// <summary>
/// The binary form of a <see cref="FolderView"/> kept in the index (rows <c>v|{folderId:D6}|{part:D2}</c>):
/// version, UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ, the distinct flag sets, then per message the
/// UID delta, MODSEQ and flag-set number, all as variable-length integers. Typically 4–6 bytes
/// per message, so 100,000 messages fit in about half a megabyte.
/// </summary>
internal static class FolderViewSnapshot
{
    private const byte Version = 1;

    public static byte[] Write(FolderView view)
    {
        var w = new ArrayBufferWriter<byte>(64 + (view.Count * 6));
        w.Write([Version]);
        VarInt(w, view.UidValidity);
        VarInt(w, view.UidNext);
        VarInt(w, view.HighestModSeq);
        VarInt(w, view.Count);
        // Only the flag sets in use, renumbered densely.
        var remap = new Dictionary<int, int>();
        var ids = view.FlagIdSpan;
        foreach (var id in ids)
        {
            if (!remap.ContainsKey(id))
            {
                remap[id] = remap.Count;
            }
        }
        VarInt(w, remap.Count);
        foreach (var (id, _) in remap.OrderBy(kv => kv.Value))
        {
            var set = view.FlagSets.Get(id);
            VarInt(w, set.Count);
            foreach (var flag in set)
            {
                var bytes = Encoding.UTF8.GetBytes(flag);
                VarInt(w, bytes.Length);
                w.Write(bytes);
            }
        }
        var uids = view.UidSpan;
        var modSeqs = view.ModSeqSpan;
        long prev = 0;
        for (var i = 0; i < uids.Length; i++)
        {
            VarInt(w, uids[i] - prev);
            prev = uids[i];
            VarInt(w, modSeqs[i]);
            VarInt(w, remap[ids[i]]);
        }
        return w.WrittenSpan.ToArray();
    }

    /// <summary>Reads a snapshot; null if it is not one this code understands.</summary>
    public static FolderView? Read(ReadOnlySpan<byte> data)
    {
        try
        {
            var pos = 0;
            if (data.Length < 1 || data[pos++] != Version)
            {
                return null;
            }
            var uidValidity = ReadVarInt(data, ref pos);
            var uidNext = ReadVarInt(data, ref pos);
            var modSeq = ReadVarInt(data, ref pos);
            var count = checked((int)ReadVarInt(data, ref pos));
            if (count < 0 || count > data.Length)
            {
                return null;
            }
            var table = new FlagSetTable();
            var setCount = checked((int)ReadVarInt(data, ref pos));
            var setIds = new int[setCount];
            for (var s = 0; s < setCount; s++)
            {
                var n = checked((int)ReadVarInt(data, ref pos));
                var flags = new string[n];
                for (var f = 0; f < n; f++)
                {
                    var len = checked((int)ReadVarInt(data, ref pos));
                    flags[f] = Encoding.UTF8.GetString(data.Slice(pos, len));
                    pos += len;
                }
                setIds[s] = table.Intern(flags);
            }
            var uids = new uint[count];
            var modSeqs = new long[count];
            var flagIds = new int[count];
            long prev = 0;
            for (var i = 0; i < count; i++)
            {
                prev += ReadVarInt(data, ref pos);
                uids[i] = checked((uint)prev);
                modSeqs[i] = ReadVarInt(data, ref pos);
                flagIds[i] = setIds[ReadVarInt(data, ref pos)];
            }
            return pos == data.Length ? new FolderView(uidValidity, uidNext, modSeq, table, uids, modSeqs, flagIds, count) : null;
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static void VarInt(ArrayBufferWriter<byte> w, long value)
    {
        var span = w.GetSpan(10);
        var n = 0;
        var v = (ulong)value;
        while (v >= 0x80)
        {
            span[n++] = (byte)(v | 0x80);
            v >>= 7;
        }
        span[n++] = (byte)v;
        w.Advance(n);
    }

    private static long ReadVarInt(ReadOnlySpan<byte> data, ref int pos)
    {
        ulong result = 0;
        var shift = 0;
        while (true)
        {
            var b = data[pos++];
            result |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return checked((long)result);
            }
            shift += 7;
            if (shift > 63)
            {
                throw new OverflowException();
            }
        }
    }
}
