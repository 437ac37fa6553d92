using MimeKit.Cryptography;
using Serverless.Mail.Outbound;

namespace Serverless.Mail.Provisioning.Dkim;

/// <summary>The outbound relay's source of DKIM signers: the keys the provisioning API created (replaces <see cref="NoDkimSigningKeys"/>).</summary>
public sealed class DkimSigningKeys(DkimKeyStore store) : IDkimSigningKeys
{
    public async Task<DkimSigner?> GetSignerAsync(string domain, string selector, CancellationToken cancellationToken) =>
        (await store.GetAsync(domain, selector, cancellationToken).ConfigureAwait(false))?.CreateSigner();

    public async Task<Org.BouncyCastle.Crypto.AsymmetricKeyParameter?> GetPrivateKeyAsync(string domain, string selector, CancellationToken cancellationToken) =>
        (await store.GetAsync(domain, selector, cancellationToken).ConfigureAwait(false))?.PrivateKey;
}
