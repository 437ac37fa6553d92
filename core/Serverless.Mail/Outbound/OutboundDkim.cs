using MimeKit;
using MimeKit.Cryptography;
using Serverless.Mail.Accounts;

namespace Serverless.Mail.Outbound;

/// <summary>Where the relay gets a domain's DKIM signer (the provisioning key store in the running service).</summary>
public interface IDkimSigningKeys
{
    /// <summary>A signer for the domain's key under <paramref name="selector"/>, or null when no key is stored.</summary>
    Task<DkimSigner?> GetSignerAsync(string domain, string selector, CancellationToken cancellationToken);

    /// <summary>The private key under <paramref name="selector"/> (for ARC sealing), or null when none is stored.</summary>
    Task<Org.BouncyCastle.Crypto.AsymmetricKeyParameter?> GetPrivateKeyAsync(string domain, string selector, CancellationToken cancellationToken) =>
        Task.FromResult<Org.BouncyCastle.Crypto.AsymmetricKeyParameter?>(null);
}

/// <summary>No keys: messages go unsigned (a deployment without the provisioning key store).</summary>
public sealed class NoDkimSigningKeys : IDkimSigningKeys
{
    public Task<DkimSigner?> GetSignerAsync(string domain, string selector, CancellationToken cancellationToken) => Task.FromResult<DkimSigner?>(null);
}

/// <summary>
/// DKIM-signs outgoing mail (RFC 6376) with the key of the author's domain — the From header's,
/// which is what DMARC aligns with — when that domain is hosted by the sending tenant and has a
/// key; rsa-sha256, relaxed/relaxed, the headers RFC 6376 5.4.1 recommends; and a second
/// ed25519-sha256 signature (RFC 8463) when the domain asked for one. The body hash is
/// computed by streaming the message from its temporary file.
/// </summary>
public sealed class OutboundDkim(RecipientResolver resolver, IDkimSigningKeys keys)
{
    /// <summary>RFC 6376 5.4.1's list (From first), plus the MIME headers that define how the body reads.</summary>
    public static readonly IReadOnlyList<HeaderId> SignedHeaders =
    [
        HeaderId.From, HeaderId.ReplyTo, HeaderId.Subject, HeaderId.Date, HeaderId.To, HeaderId.Cc,
        HeaderId.ResentDate, HeaderId.ResentFrom, HeaderId.ResentTo, HeaderId.ResentCc,
        HeaderId.InReplyTo, HeaderId.References, HeaderId.ListId, HeaderId.ListHelp, HeaderId.ListUnsubscribe,
        HeaderId.ListSubscribe, HeaderId.ListPost, HeaderId.ListOwner, HeaderId.ListArchive,
        HeaderId.MessageId, HeaderId.MimeVersion, HeaderId.ContentType, HeaderId.ContentTransferEncoding,
    ];

    /// <summary>Signs in place; returns the signing domain, or null when the message stays unsigned.</summary>
    public async Task<string?> SignAsync(MimeMessage message, string? tenantKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.From.Mailboxes.FirstOrDefault() is not { } author || !MailAddress.TryParse(author.Address, out var address))
        {
            return null;
        }
        var domain = await resolver.GetHostedDomainAsync(address.Domain, cancellationToken).ConfigureAwait(false);
        if (domain?.DkimSelector is not { Length: > 0 } selector || (tenantKey is not null && tenantKey != OutboundState.TenantKey(domain.TenantId)))
        {
            return null; // not ours to sign for
        }
        var signer = await keys.GetSignerAsync(domain.Name, selector, cancellationToken).ConfigureAwait(false);
        if (signer is null)
        {
            return null;
        }
        var present = SignedHeaders.Where(h => h == HeaderId.From || message.Headers.Contains(h)).ToList();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        signer.Sign(format, message, present);
        // RFC 8463 section 6: an Ed25519 signature goes beside the RSA one (verifiers without Ed25519 use that).
        if (domain.DkimEd25519Selector is { Length: > 0 } ed25519
            && await keys.GetSignerAsync(domain.Name, ed25519, cancellationToken).ConfigureAwait(false) is { } second)
        {
            second.Sign(format, message, present);
        }
        return domain.Name;
    }
}
