using System.Net;
using Serverless.Mail.Delivery.Authentication;

namespace Serverless.Mail.Spam.Signals;

/// <summary>
/// Forward-confirmed reverse DNS of the client: its PTR names, and one of them resolving back to the
/// address. <c>RDNS_NONE</c> when there is no PTR, <c>RDNS_NOT_CONFIRMED</c> when no PTR name leads back.
/// Big senders always have it; botnets on home lines rarely do. A failed lookup is no signal.
/// </summary>
public sealed class ReverseDnsSignal(SpamOptions options, DnsAnswers dns) : IConnectionSignal
{
    public const string None = "RDNS_NONE";
    public const string NotConfirmed = "RDNS_NOT_CONFIRMED";
    private const int MaxNames = 5;

    public async Task<IReadOnlyList<SpamTest>> CheckAsync(SpamConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.Client is not { } client)
        {
            return [];
        }
        try
        {
            var names = await dns.PtrAsync(client, cancellationToken).ConfigureAwait(false);
            if (names.Count == 0)
            {
                return options.Fired(None, 1.5);
            }
            var ipv6 = client.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
            foreach (var name in names.Take(MaxNames))
            {
                var addresses = await dns.AddressesAsync(name, ipv6, cancellationToken).ConfigureAwait(false);
                if (addresses.Any(a => a.Equals(client)))
                {
                    return [];
                }
            }
            return options.Fired(NotConfirmed, 1);
        }
        catch (DnsTemporaryException)
        {
            return [];
        }
    }
}
