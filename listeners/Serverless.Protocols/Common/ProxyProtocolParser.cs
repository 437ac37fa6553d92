using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Serverless.Protocols.Common;

public enum ProxyParseStatus
{
    NeedMoreData,
    Done,
    Invalid,
}

/// <summary>What a PROXY header says. <see cref="Source"/> is null for v2 LOCAL and v1 UNKNOWN (the proxy's own health checks).</summary>
public sealed record ProxyHeader(int Version, IPEndPoint? Source, IPEndPoint? Destination);

/// <summary>
/// The HAProxy PROXY protocol (haproxy.org proxy-protocol.txt), versions 1 and 2, as sent by a
/// load balancer in front of the listeners so the real client address survives.
/// <code>
/// v1 = "PROXY" SP ( "TCP4" / "TCP6" ) SP src-ip SP dst-ip SP src-port SP dst-port CRLF
///    / "PROXY" SP "UNKNOWN" *( SP *VCHAR ) CRLF           ; at most 107 octets in all
/// v2 = signature(12) ver-cmd(1) fam(1) len(2, big endian) addresses(len)
///      signature = 0D 0A 0D 0A 00 0D 0A 51 55 49 54 0A
///      ver-cmd   = 0x20 (LOCAL) / 0x21 (PROXY)
///      fam       = 0x11 (TCP over IPv4: 4+4+2+2) / 0x21 (TCP over IPv6: 16+16+2+2) / 0x00 (UNSPEC) ...
/// </code>
/// TLVs after the addresses are skipped. Pure: the caller reads and advances.
/// </summary>
public static class ProxyProtocolParser
{
    public const int MaxV1Length = 107;
    private const int MaxV2Length = 16 + 1024;
    private static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];
    private static readonly byte[] V1Prefix = "PROXY "u8.ToArray();

    /// <summary>
    /// Whether the first bytes of a connection are a PROXY header: true/false once enough bytes are
    /// there to tell, null while they are a prefix of one.
    /// </summary>
    public static bool? StartsWithHeader(ReadOnlySpan<byte> start)
    {
        var v1 = Compare(start, V1Prefix);
        var v2 = Compare(start, V2Signature);
        if (v1 == true || v2 == true)
        {
            return true;
        }
        return v1 is null || v2 is null ? null : false;
    }

    public static ProxyParseStatus TryParse(ReadOnlySequence<byte> input, out ProxyHeader? header, out long consumed)
    {
        header = null;
        consumed = 0;
        Span<byte> head = stackalloc byte[16];
        var have = (int)Math.Min(input.Length, head.Length);
        input.Slice(0, have).CopyTo(head);
        var kind = StartsWithHeader(head[..have]);
        if (kind is null)
        {
            return ProxyParseStatus.NeedMoreData;
        }
        if (kind == false)
        {
            return ProxyParseStatus.Invalid;
        }
        return head[0] == (byte)'P' ? ParseV1(input, out header, out consumed) : ParseV2(input, out header, out consumed);
    }

    private static ProxyParseStatus ParseV1(ReadOnlySequence<byte> input, out ProxyHeader? header, out long consumed)
    {
        header = null;
        consumed = 0;
        var lf = input.PositionOf((byte)'\n');
        if (lf is null)
        {
            return input.Length >= MaxV1Length ? ProxyParseStatus.Invalid : ProxyParseStatus.NeedMoreData;
        }
        var lineBytes = input.Slice(0, lf.Value);
        if (lineBytes.Length + 1 > MaxV1Length || lineBytes.Length == 0)
        {
            return ProxyParseStatus.Invalid;
        }
        var line = Encoding.ASCII.GetString(lineBytes);
        if (!line.EndsWith('\r'))
        {
            return ProxyParseStatus.Invalid;
        }
        consumed = lineBytes.Length + 1;
        var parts = line[..^1].Split(' ');
        if (parts.Length >= 2 && parts[1] == "UNKNOWN")
        {
            header = new ProxyHeader(1, null, null);
            return ProxyParseStatus.Done;
        }
        if (parts.Length != 6 || parts[1] is not ("TCP4" or "TCP6")
            || !IPAddress.TryParse(parts[2], out var src) || !IPAddress.TryParse(parts[3], out var dst)
            || !TryPort(parts[4], out var sport) || !TryPort(parts[5], out var dport))
        {
            return ProxyParseStatus.Invalid;
        }
        var family = parts[1] == "TCP4" ? System.Net.Sockets.AddressFamily.InterNetwork : System.Net.Sockets.AddressFamily.InterNetworkV6;
        if (src.AddressFamily != family || dst.AddressFamily != family)
        {
            return ProxyParseStatus.Invalid;
        }
        header = new ProxyHeader(1, new IPEndPoint(src, sport), new IPEndPoint(dst, dport));
        return ProxyParseStatus.Done;
    }

    private static ProxyParseStatus ParseV2(ReadOnlySequence<byte> input, out ProxyHeader? header, out long consumed)
    {
        header = null;
        consumed = 0;
        if (input.Length < 16)
        {
            return ProxyParseStatus.NeedMoreData;
        }
        Span<byte> fixedPart = stackalloc byte[16];
        input.Slice(0, 16).CopyTo(fixedPart);
        var version = fixedPart[12] >> 4;
        var command = fixedPart[12] & 0x0F;
        var family = fixedPart[13];
        var length = BinaryPrimitives.ReadUInt16BigEndian(fixedPart[14..]);
        if (version != 2 || command > 1 || 16 + length > MaxV2Length)
        {
            return ProxyParseStatus.Invalid;
        }
        if (input.Length < 16 + length)
        {
            return ProxyParseStatus.NeedMoreData;
        }
        var body = input.Slice(16, length).ToArray();
        consumed = 16 + length;
        if (command == 0)
        {
            header = new ProxyHeader(2, null, null); // LOCAL: the proxy speaking for itself
            return ProxyParseStatus.Done;
        }
        switch (family)
        {
            case 0x11 when length >= 12:
                header = new ProxyHeader(2,
                    new IPEndPoint(new IPAddress(body.AsSpan(0, 4)), BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(8))),
                    new IPEndPoint(new IPAddress(body.AsSpan(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(10))));
                return ProxyParseStatus.Done;
            case 0x21 when length >= 36:
                header = new ProxyHeader(2,
                    new IPEndPoint(new IPAddress(body.AsSpan(0, 16)), BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(32))),
                    new IPEndPoint(new IPAddress(body.AsSpan(16, 16)), BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(34))));
                return ProxyParseStatus.Done;
            case 0x00:
                header = new ProxyHeader(2, null, null);
                return ProxyParseStatus.Done;
            default:
                return ProxyParseStatus.Invalid; // UDP or unix sockets have no place in front of a mail listener
        }
    }

    /// <summary>Builds a v1 header (for tests and tools).</summary>
    public static byte[] FormatV1(IPEndPoint source, IPEndPoint destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        var family = source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? "TCP4" : "TCP6";
        return Encoding.ASCII.GetBytes($"PROXY {family} {source.Address} {destination.Address} {source.Port} {destination.Port}\r\n");
    }

    /// <summary>Builds a v2 PROXY (or LOCAL, when <paramref name="source"/> is null) header.</summary>
    public static byte[] FormatV2(IPEndPoint? source, IPEndPoint? destination)
    {
        if (source is null || destination is null)
        {
            return [.. V2Signature, 0x20, 0x00, 0x00, 0x00];
        }
        var v4 = source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
        var addressLength = v4 ? 4 : 16;
        var result = new byte[16 + (addressLength * 2) + 4];
        V2Signature.CopyTo(result, 0);
        result[12] = 0x21;
        result[13] = (byte)(v4 ? 0x11 : 0x21);
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(14), (ushort)((addressLength * 2) + 4));
        source.Address.GetAddressBytes().CopyTo(result, 16);
        destination.Address.GetAddressBytes().CopyTo(result, 16 + addressLength);
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(16 + (addressLength * 2)), (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(18 + (addressLength * 2)), (ushort)destination.Port);
        return result;
    }

    private static bool? Compare(ReadOnlySpan<byte> start, ReadOnlySpan<byte> signature)
    {
        var n = Math.Min(start.Length, signature.Length);
        if (!start[..n].SequenceEqual(signature[..n]))
        {
            return false;
        }
        return n == signature.Length ? true : null;
    }

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) && port is >= 0 and <= 65535;
}
