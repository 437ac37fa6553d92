using MimeKit;
using Serverless.Mail.Accounts;

namespace Serverless.Mail.Delivery;

/// <summary>Why a submission was refused for the addresses it claims: the enhanced status code and the sentence after it.</summary>
public sealed record SenderRefusal(string Status, string Text);

/// <summary>
/// Who a logged-in user may send as, on submission: their own address, an alias of their tenant
/// that delivers to them, or an address of their tenant granted to their mailbox through the API
/// (send-as, kept on the mailbox row and so read with the login). One rule for the envelope sender
/// (MAIL FROM) and for the header's <c>From:</c> and <c>Sender:</c>. Costs: the own address
/// nothing; a grant the cached domain row; an alias the listener's cached RCPT resolution.
/// </summary>
public sealed class SubmissionSenders(RecipientLookup recipients)
{
    /// <summary>A header section larger than this is not searched: a From: hidden past it could not be checked.</summary>
    public const int MaxHeaderBytes = 256 * 1024;

    /// <summary>True when <paramref name="user"/> may use <paramref name="address"/> as sender.</summary>
    public async Task<bool> MayUseAsync(SubmittingUser user, MailAddress address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (MailAddress.TryParse(user.Address, out var own) && own == address)
        {
            return true;
        }
        if (user.SendAs.Contains(address.Address, StringComparer.Ordinal))
        {
            // A grant holds while its domain is still the tenant's (a domain removed and taken by another tenant must not carry it along).
            var domain = await recipients.Resolver.GetHostedDomainAsync(address.Domain, cancellationToken).ConfigureAwait(false);
            if (domain?.TenantId == user.TenantId)
            {
                return true;
            }
        }
        var resolved = await recipients.ResolveAsync(address, cancellationToken).ConfigureAwait(false);
        return resolved.Hosted && resolved.TenantId == user.TenantId && user.MailboxId.Length > 0
            && resolved.Mailboxes.Any(m => m.MailboxId == user.MailboxId);
    }

    /// <summary>
    /// Checks every mailbox of every <c>From:</c> field (groups included; RFC 5322 wants exactly one
    /// field, a second one is checked all the same) and of <c>Sender:</c> in a header section (the
    /// message's start; parsing stops at the blank line). Null when the user may send it. A message
    /// without a From: address is refused (5.6.0) rather than completed: the author is what the
    /// recipient and DMARC judge a message by, and a mail client always writes one.
    /// </summary>
    public async Task<SenderRefusal?> CheckHeaderAsync(SubmittingUser user, ReadOnlyMemory<byte> headerSection, bool headerComplete, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!headerComplete)
        {
            return new SenderRefusal("5.6.0", $"Header section longer than {MaxHeaderBytes / 1024} KiB; its From: cannot be checked");
        }
        HeaderList headers;
        try
        {
            using var stream = new MemoryStream(headerSection.ToArray(), writable: false);
            headers = await HeaderList.LoadAsync(ParserOptions.Default, stream, cancellationToken).ConfigureAwait(false);
        }
        catch (FormatException)
        {
            return new SenderRefusal("5.6.0", "Header section cannot be parsed; its From: cannot be checked");
        }
        var fromCount = 0;
        foreach (var header in headers)
        {
            if (header.Id is not (HeaderId.From or HeaderId.Sender))
            {
                continue;
            }
            var name = header.Id == HeaderId.From ? "From:" : "Sender:";
            if (header.Value.Trim().Length == 0)
            {
                continue; // an empty field names nobody: for From:, the no-author refusal below
            }
            if (!InternetAddressList.TryParse(ParserOptions.Default, header.RawValue, out var list))
            {
                return new SenderRefusal("5.7.1", $"{name} header cannot be parsed");
            }
            foreach (var mailbox in list.Mailboxes)
            {
                if (header.Id == HeaderId.From)
                {
                    fromCount++;
                }
                if (!MailAddress.TryParse(mailbox.Address, out var address) || !await MayUseAsync(user, address, cancellationToken).ConfigureAwait(false))
                {
                    return new SenderRefusal("5.7.1", $"{name} header address {Printable(mailbox.Address)} is not yours to send as");
                }
            }
        }
        return fromCount == 0 ? new SenderRefusal("5.6.0", "Message has no From: header address") : null;
    }

    /// <summary>The address goes back into a reply line: no control characters, bounded length.</summary>
    private static string Printable(string text)
    {
        var clean = new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return clean.Length > 100 ? clean[..100] + "..." : clean;
    }
}
