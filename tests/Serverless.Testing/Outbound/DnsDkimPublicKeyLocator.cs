using DnsClient;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Serverless.Testing.Outbound;

/// <summary>Finds DKIM public keys the way a receiver does: the TXT record at {selector}._domainkey.{domain}.</summary>
public sealed class DnsDkimPublicKeyLocator(ILookupClient dns) : DkimPublicKeyLocatorBase
{
    public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        LocatePublicKeyAsync(methods, domain, selector, cancellationToken).GetAwaiter().GetResult();

    public override async Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default)
    {
        var response = await dns.QueryAsync($"{selector}._domainkey.{domain}", QueryType.TXT, cancellationToken: cancellationToken);
        var record = response.Answers.TxtRecords().Select(r => string.Concat(r.Text)).FirstOrDefault()
            ?? throw new InvalidOperationException($"No DKIM record at {selector}._domainkey.{domain}.");
        return GetPublicKey(record);
    }
}
