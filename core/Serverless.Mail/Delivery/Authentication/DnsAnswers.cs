using System.Net;
using DnsClient;
using DnsClient.Protocol;

namespace Serverless.Mail.Delivery.Authentication;

/// <summary>A DNS failure that may go away (SERVFAIL, timeout): checks report temperror, never fail.</summary>
public sealed class DnsTemporaryException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The few lookups the sender checks need, on the shared DnsClient. NXDOMAIN and "no records" both
/// come back empty (SPF counts those as void lookups); SERVFAIL and timeouts throw
/// <see cref="DnsTemporaryException"/>. Positive answers are cached by the client for their TTL;
/// negative ones by <paramref name="negatives"/> when given (not for checks that must see a change
/// at once, such as domain verification).
/// </summary>
public sealed class DnsAnswers(ILookupClient client, NegativeAnswerCache? negatives = null)
{
    public async Task<IReadOnlyList<string>> TxtAsync(string name, CancellationToken cancellationToken)
    {
        var answers = await QueryAsync(name, QueryType.TXT, cancellationToken).ConfigureAwait(false);
        return answers.TxtRecords().Select(r => string.Concat(r.Text)).ToList();
    }

    public async Task<IReadOnlyList<IPAddress>> AddressesAsync(string name, bool ipv6, CancellationToken cancellationToken)
    {
        var answers = await QueryAsync(name, ipv6 ? QueryType.AAAA : QueryType.A, cancellationToken).ConfigureAwait(false);
        return ipv6 ? answers.AaaaRecords().Select(r => r.Address).ToList() : answers.ARecords().Select(r => r.Address).ToList();
    }

    public async Task<IReadOnlyList<string>> MxAsync(string name, CancellationToken cancellationToken)
    {
        var answers = await QueryAsync(name, QueryType.MX, cancellationToken).ConfigureAwait(false);
        return answers.MxRecords().OrderBy(r => r.Preference).Select(r => r.Exchange.Value.TrimEnd('.')).ToList();
    }

    public async Task<IReadOnlyList<string>> PtrAsync(IPAddress address, CancellationToken cancellationToken)
    {
        var answers = await QueryAsync(address.GetArpaName(), QueryType.PTR, cancellationToken).ConfigureAwait(false);
        return answers.PtrRecords().Select(r => r.PtrDomainName.Value.TrimEnd('.')).ToList();
    }

    private async Task<IReadOnlyList<DnsResourceRecord>> QueryAsync(string name, QueryType type, CancellationToken cancellationToken)
    {
        if (negatives?.KnownEmpty(name, type) == true)
        {
            return [];
        }
        IDnsQueryResponse response;
        try
        {
            response = await client.QueryAsync(name, type, QueryClass.IN, cancellationToken).ConfigureAwait(false);
        }
        catch (DnsResponseException e)
        {
            throw new DnsTemporaryException($"DNS {type} {name}: {e.Message}", e);
        }
        if (response.HasError)
        {
            if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
            {
                negatives?.Remember(name, type, response);
                return [];
            }
            throw new DnsTemporaryException($"DNS {type} {name}: {response.ErrorMessage}");
        }
        if (response.Answers.Count == 0)
        {
            negatives?.Remember(name, type, response); // NODATA
        }
        return response.Answers;
    }
}
