using System.Net;
using Serverless.Mail.Delivery;

namespace Serverless.Mail.Spam.Signals;

/// <summary>
/// What the client called itself (RFC 5321 4.1.1.1: the FQDN of the client, or an address literal).
/// <c>HELO_IP_MISMATCH</c>: an address literal (or bare address) that is not the client's;
/// <c>HELO_BARE</c>: a name without a dot; <c>HELO_OURS</c>: our own host name, which no
/// honest client uses; <c>HELO_LOCALHOST</c>: localhost from a client that is not local. No I/O.
/// </summary>
public sealed class HeloSignal(SpamOptions options, DeliveryOptions delivery) : IConnectionSignal
{
    public Task<IReadOnlyList<SpamTest>> CheckAsync(SpamConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return Task.FromResult(Check(connection.Helo, connection.Client));
    }

    public IReadOnlyList<SpamTest> Check(string? helo, IPAddress? client)
    {
        if (string.IsNullOrWhiteSpace(helo))
        {
            return options.Fired("HELO_BARE", 1);
        }
        var name = helo.Trim().TrimEnd('.');
        var literal = name.StartsWith('[') && name.EndsWith(']') ? name[1..^1] : name;
        if (literal.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
        {
            literal = literal[5..];
        }
        if (IPAddress.TryParse(literal, out var claimed))
        {
            var mapped = claimed.IsIPv4MappedToIPv6 ? claimed.MapToIPv4() : claimed;
            return client is null || mapped.Equals(client) ? [] : options.Fired("HELO_IP_MISMATCH", 2);
        }
        var local = client is not null && IPAddress.IsLoopback(client);
        if (name.Equals("localhost", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return local ? [] : options.Fired("HELO_LOCALHOST", 2);
        }
        if (name.Equals(delivery.HostName, StringComparison.OrdinalIgnoreCase) && !local)
        {
            return options.Fired("HELO_OURS", 3);
        }
        return name.Contains('.', StringComparison.Ordinal) ? [] : options.Fired("HELO_BARE", 1);
    }
}
