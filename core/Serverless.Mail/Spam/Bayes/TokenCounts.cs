using System.Buffers.Binary;
using System.Text;

namespace Serverless.Mail.Spam.Bayes;

/// <summary>
/// What one scope (a tenant's base, or one mailbox) has learnt: how many spam and ham messages,
/// and per token (a 32-bit hash of it) in how many of each it appeared. Stored as 8 bytes a token
/// (hash, spam count, ham count; counts saturate at 65,535), so 80,000 tokens are 640 KB, which
/// fits one table entity (docs/storage.md, <c>spamtokens</c>). A hash collision merges two tokens'
/// counts, which at this size happens to a handful of rare tokens and costs the classifier nothing
/// measurable.
/// </summary>
public sealed class TokenCounts
{
    private const byte FormatVersion = 1;
    private const int HeaderBytes = 1 + 4 + 4 + 4;
    private const int EntryBytes = 8;

    private readonly Dictionary<uint, uint> _counts;

    public TokenCounts()
        : this(new Dictionary<uint, uint>())
    {
    }

    private TokenCounts(Dictionary<uint, uint> counts) => _counts = counts;

    /// <summary>Messages learnt as spam.</summary>
    public int SpamMessages { get; private set; }

    /// <summary>Messages learnt as ham.</summary>
    public int HamMessages { get; private set; }

    public int TokenCount => _counts.Count;

    /// <summary>
    /// Of a mailbox's messages, how many spam and ham were also learnt into the tenant's base (up to
    /// <see cref="Learning.SpamLearningOptions.BaseShareLimit"/>): scoring takes them out of the base
    /// so they do not count twice. Kept beside the counts (the row's BaseSpam/BaseHam), not in them.
    /// </summary>
    public (int Spam, int Ham) InBase { get; set; }

    public bool IsEmpty => SpamMessages == 0 && HamMessages == 0;

    /// <summary>FNV-1a over the token's UTF-16 code units, folded to 32 bits: stable across processes and versions.</summary>
    public static uint Hash(string token)
    {
        ulong h = 14695981039346656037UL;
        foreach (var c in token)
        {
            h = (h ^ c) * 1099511628211UL;
        }
        return (uint)(h ^ (h >> 32));
    }

    public (int Spam, int Ham) Get(uint hash) =>
        _counts.TryGetValue(hash, out var v) ? ((int)(v >> 16), (int)(v & 0xFFFF)) : (0, 0);

    /// <summary>Adds (<paramref name="delta"/> 1) or takes back (-1) one message's tokens.</summary>
    public void Learn(IEnumerable<uint> hashes, bool spam, int delta)
    {
        if (spam)
        {
            SpamMessages = Math.Max(0, SpamMessages + delta);
        }
        else
        {
            HamMessages = Math.Max(0, HamMessages + delta);
        }
        foreach (var h in hashes)
        {
            var (s, m) = Get(h);
            if (spam)
            {
                s = Math.Clamp(s + delta, 0, ushort.MaxValue);
            }
            else
            {
                m = Math.Clamp(m + delta, 0, ushort.MaxValue);
            }
            if (s == 0 && m == 0)
            {
                _counts.Remove(h);
            }
            else
            {
                _counts[h] = ((uint)s << 16) | (uint)m;
            }
        }
    }

    /// <summary>
    /// Keeps the model under <paramref name="maxTokens"/>: when over, drops the rarest tokens
    /// (fewest messages; those seen once are most of any vocabulary and weigh least) until 90 % of
    /// the cap remains, so pruning does not run again at the next message. Returns how many were dropped.
    /// </summary>
    public int Prune(int maxTokens)
    {
        if (_counts.Count <= maxTokens)
        {
            return 0;
        }
        var keep = maxTokens * 9 / 10;
        var drop = _counts.Count - keep;
        var doomed = _counts.OrderBy(kv => (kv.Value >> 16) + (kv.Value & 0xFFFF)).ThenBy(kv => kv.Key).Take(drop).Select(kv => kv.Key).ToList();
        foreach (var h in doomed)
        {
            _counts.Remove(h);
        }
        return doomed.Count;
    }

    /// <summary>Version byte, message counts, token count, then the tokens sorted by hash (little endian).</summary>
    public byte[] Serialize()
    {
        var bytes = new byte[HeaderBytes + (_counts.Count * EntryBytes)];
        bytes[0] = FormatVersion;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(1), SpamMessages);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(5), HamMessages);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(9), _counts.Count);
        var at = HeaderBytes;
        foreach (var (hash, value) in _counts.OrderBy(kv => kv.Key))
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), hash);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 4), value);
            at += EntryBytes;
        }
        return bytes;
    }

    public static TokenCounts Deserialize(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < HeaderBytes || bytes[0] != FormatVersion)
        {
            throw new FormatException("Not a token count model of a known version.");
        }
        var count = BinaryPrimitives.ReadInt32LittleEndian(bytes[9..]);
        if (count < 0 || bytes.Length != HeaderBytes + ((long)count * EntryBytes))
        {
            throw new FormatException("Token count model has the wrong length.");
        }
        var counts = new Dictionary<uint, uint>(count);
        for (var at = HeaderBytes; at < bytes.Length; at += EntryBytes)
        {
            counts[BinaryPrimitives.ReadUInt32LittleEndian(bytes[at..])] = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(at + 4)..]);
        }
        return new TokenCounts(counts)
        {
            SpamMessages = BinaryPrimitives.ReadInt32LittleEndian(bytes[1..]),
            HamMessages = BinaryPrimitives.ReadInt32LittleEndian(bytes[5..]),
        };
    }

    public override string ToString() => new StringBuilder().Append(SpamMessages).Append(" spam, ").Append(HamMessages).Append(" ham, ").Append(TokenCount).Append(" tokens").ToString();
}
