using System.Net;
using System.Net.Sockets;

namespace Serverless.Protocols.Common;

/// <summary>An IPv4 or IPv6 network in CIDR notation ("10.0.0.0/8", "fd00::/8", or one address).</summary>
public sealed class CidrRange
{
    private readonly byte[] _network;
    private readonly int _prefixLength;

    private CidrRange(IPAddress network, int prefixLength)
    {
        _network = network.GetAddressBytes();
        _prefixLength = prefixLength;
        Family = network.AddressFamily;
    }

    public AddressFamily Family { get; }

    public static bool TryParse(string? text, out CidrRange? range)
    {
        range = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        var parts = text.Trim().Split('/');
        if (parts.Length > 2 || !IPAddress.TryParse(parts[0], out var address))
        {
            return false;
        }
        var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = max;
        if (parts.Length == 2 && (!int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out prefix) || prefix > max))
        {
            return false;
        }
        range = new CidrRange(address, prefix);
        return true;
    }

    public bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6 && Family == AddressFamily.InterNetwork)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != Family)
        {
            return false;
        }
        var bytes = address.GetAddressBytes();
        var full = _prefixLength / 8;
        for (var i = 0; i < full; i++)
        {
            if (bytes[i] != _network[i])
            {
                return false;
            }
        }
        var rest = _prefixLength % 8;
        if (rest == 0)
        {
            return true;
        }
        var mask = (byte)(0xFF << (8 - rest));
        return (bytes[full] & mask) == (_network[full] & mask);
    }
}
