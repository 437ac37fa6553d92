using System.Net;
using System.Net.Sockets;

namespace Serverless.Mail.Outbound;

/// <summary>
/// Whether an address is on the public internet, for everything the relay connects to because a
/// DNS answer said so (MX hosts, implicit-MX A/AAAA, IP literals, MTA-STS policy hosts). Anyone
/// can publish an MX that points at 127.0.0.1, 10.0.0.5 or the cloud metadata endpoint; without
/// this check the relay would carry a tenant's SMTP dialogue into our own network (SSRF).
/// Refused: loopback, unspecified, RFC 1918 private, shared CGNAT (RFC 6598), link-local (which
/// holds 169.254.169.254, the metadata service), Azure's platform endpoint 168.63.129.16, IPv6
/// unique-local and link-local, multicast, and the IANA special-purpose blocks (RFC 6890) that are
/// never a mail server's. IPv4 carried in IPv6 (mapped, NAT64, 6to4) is judged by its IPv4 address.
/// </summary>
public static class PublicNetwork
{
    private static readonly (uint Network, int Bits)[] NonPublicV4 =
    [
        (V4(0, 0, 0, 0), 8),        // "this network" (RFC 1122)
        (V4(10, 0, 0, 0), 8),       // private (RFC 1918)
        (V4(100, 64, 0, 0), 10),    // shared address space, carrier-grade NAT (RFC 6598)
        (V4(127, 0, 0, 0), 8),      // loopback
        (V4(169, 254, 0, 0), 16),   // link-local, incl. the metadata service 169.254.169.254
        (V4(172, 16, 0, 0), 12),    // private (RFC 1918)
        (V4(192, 0, 0, 0), 24),     // IETF protocol assignments (RFC 6890)
        (V4(192, 0, 2, 0), 24),     // documentation (RFC 5737)
        (V4(192, 88, 99, 0), 24),   // deprecated 6to4 relay anycast (RFC 7526)
        (V4(192, 168, 0, 0), 16),   // private (RFC 1918)
        (V4(198, 18, 0, 0), 15),    // benchmarking (RFC 2544)
        (V4(198, 51, 100, 0), 24),  // documentation
        (V4(203, 0, 113, 0), 24),   // documentation
        (V4(224, 0, 0, 0), 4),      // multicast
        (V4(240, 0, 0, 0), 4),      // reserved, and 255.255.255.255
        (V4(168, 63, 129, 16), 32), // Azure's platform endpoint (DHCP, DNS, health, agent)
    ];

    /// <summary>True when the relay may connect to <paramref name="address"/>.</summary>
    public static bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => IsPublicV4(address),
            AddressFamily.InterNetworkV6 => IsPublicV6(address),
            _ => false,
        };
    }

    private static bool IsPublicV4(IPAddress address)
    {
        Span<byte> b = stackalloc byte[4];
        address.TryWriteBytes(b, out _);
        var value = V4(b[0], b[1], b[2], b[3]);
        foreach (var (network, bits) in NonPublicV4)
        {
            var mask = bits == 0 ? 0u : uint.MaxValue << (32 - bits);
            if ((value & mask) == network)
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsPublicV6(IPAddress address)
    {
        if (IPAddress.IPv6Loopback.Equals(address) || IPAddress.IPv6None.Equals(address)
            || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast)
        {
            return false;
        }
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out _);
        if ((b[0] & 0xfe) == 0xfc)
        {
            return false; // unique-local fc00::/7 (also AWS's fd00:ec2::254 metadata)
        }
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
        {
            return false; // documentation 2001:db8::/32
        }
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return IsPublicV4(new IPAddress(b.Slice(2, 4))); // 6to4 2002::/16 carries an IPv4 address
        }
        if (b[..12].SequenceEqual(Nat64Prefix))
        {
            return IsPublicV4(new IPAddress(b.Slice(12, 4))); // NAT64 64:ff9b::/96
        }
        if (b[..12].IndexOfAnyExcept((byte)0) < 0)
        {
            return false; // ::/96 (unspecified, loopback, deprecated IPv4-compatible)
        }
        return (b[0] & 0xe0) == 0x20; // global unicast is 2000::/3; nothing else is assigned for hosts
    }

    private static ReadOnlySpan<byte> Nat64Prefix => [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0];

    private static uint V4(byte a, byte b, byte c, byte d) => ((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | d;
}
