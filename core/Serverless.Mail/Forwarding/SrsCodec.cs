using System.Security.Cryptography;
using System.Text;

namespace Serverless.Mail.Forwarding;

/// <summary>Why a local part did or did not reverse to an original sender.</summary>
public enum SrsStatus
{
    /// <summary>Not an SRS0 local part at all (an ordinary address).</summary>
    NotSrs,

    /// <summary>Hash and timestamp check out; <see cref="SrsReversal.Original"/> is the address to return mail to.</summary>
    Valid,

    /// <summary>Starts with SRS0= but does not follow the grammar.</summary>
    Malformed,

    /// <summary>The hash was not made with our key (forged, or altered).</summary>
    BadHash,

    /// <summary>Older than the accepted age (or dated in the future).</summary>
    Expired,
}

public readonly record struct SrsReversal(SrsStatus Status, string? Original);

/// <summary>
/// The Sender Rewriting Scheme's SRS0 form (Shevek's "SRS" paper, as libsrs2 and postsrsd write it):
/// a forwarded message leaves with an envelope sender of the forwarding domain, so SPF at the next
/// hop checks our servers, and a bounce to it comes back to us to be returned to the original sender.
/// <code>
/// srs0-address = "SRS0" sep hash sep tt sep orig-domain sep orig-local "@" forwarding-domain
/// sep          = "="
/// hash         = 6base32        ; HMAC-SHA256(key, tt "=" lower(orig-domain) "=" lower(orig-local)), first 30 bits
/// tt           = 2base32        ; days since 1970-01-01 modulo 1024
/// base32       = "A"-"Z" / "2"-"7"   ; RFC 4648 alphabet, read case-insensitively
/// </code>
/// The original local part may itself contain "=" (the first four separators are the fields').
/// The hash covers the lowercased address because mail systems (ours too) lowercase local parts;
/// 30 bits make forging one address a matter of ~10^9 tries, each a refused RCPT. Pure: the caller
/// gives the day, so tests need no clock. SRS1 (re-forwarding another forwarder's SRS0 address) is
/// not used: such an address is wrapped as an ordinary one.
/// </summary>
public sealed class SrsCodec
{
    public const string Prefix = "SRS0=";
    public const int HashLength = 6;
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private const int TimestampModulus = 1024;
    private readonly byte[] _key;

    public SrsCodec(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        _key = Encoding.UTF8.GetBytes(secret);
    }

    /// <summary>The SRS0 envelope sender for <paramref name="original"/>; the null sender (empty) stays empty.</summary>
    public string Forward(string original, string forwardingDomain, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentException.ThrowIfNullOrEmpty(forwardingDomain);
        var at = original.LastIndexOf('@');
        if (original.Length == 0 || at <= 0 || at == original.Length - 1)
        {
            return original; // <> is never rewritten (RFC 5321 4.5.5): there is nobody to bounce to
        }
        var local = original[..at];
        var domain = original[(at + 1)..];
        var tt = Timestamp(today);
        return $"{Prefix}{Hash(tt, domain, local)}={tt}={domain}={local}@{forwardingDomain}";
    }

    /// <summary>Checks an SRS0 local part and gives back the original address; at most <paramref name="maxAgeDays"/> old.</summary>
    public SrsReversal Reverse(string localPart, DateOnly today, int maxAgeDays)
    {
        ArgumentNullException.ThrowIfNull(localPart);
        if (!localPart.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return new(SrsStatus.NotSrs, null);
        }
        var fields = localPart[Prefix.Length..].Split('=', 4);
        if (fields.Length != 4 || fields[0].Length != HashLength || fields[1].Length != 2 || fields[2].Length == 0 || fields[3].Length == 0
            || !IsBase32(fields[0]) || !IsBase32(fields[1]))
        {
            return new(SrsStatus.Malformed, null);
        }
        var (hash, tt, domain, local) = (fields[0].ToUpperInvariant(), fields[1].ToUpperInvariant(), fields[2], fields[3]);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(hash), Encoding.ASCII.GetBytes(Hash(tt, domain, local))))
        {
            return new(SrsStatus.BadHash, null);
        }
        var stamped = Alphabet.IndexOf(tt[0], StringComparison.Ordinal) * 32 + Alphabet.IndexOf(tt[1], StringComparison.Ordinal);
        var age = ((Days(today) - stamped) % TimestampModulus + TimestampModulus) % TimestampModulus;
        if (age > maxAgeDays)
        {
            return new(SrsStatus.Expired, null); // a date "in the future" wraps round to a large age
        }
        return new(SrsStatus.Valid, local + "@" + domain);
    }

    public static bool IsSrs(string localPart) => localPart?.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) == true;

    private static int Days(DateOnly day) => day.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    private static string Timestamp(DateOnly today)
    {
        var t = Days(today) % TimestampModulus;
        return new string([Alphabet[t / 32], Alphabet[t % 32]]);
    }

    private string Hash(string tt, string domain, string local)
    {
        var mac = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(tt.ToUpperInvariant() + "=" + domain.ToLowerInvariant() + "=" + local.ToLowerInvariant()));
        // The first 30 bits, five at a time.
        ulong bits = ((ulong)mac[0] << 24) | ((ulong)mac[1] << 16) | ((ulong)mac[2] << 8) | mac[3];
        var chars = new char[HashLength];
        for (var i = 0; i < HashLength; i++)
        {
            chars[i] = Alphabet[(int)((bits >> (27 - 5 * i)) & 31)];
        }
        return new string(chars);
    }

    private static bool IsBase32(string s)
    {
        foreach (var c in s)
        {
            if (Alphabet.IndexOf(char.ToUpperInvariant(c), StringComparison.Ordinal) < 0)
            {
                return false;
            }
        }
        return true;
    }
}
