using System.Text;
using MimeKit.Utils;
using Serverless.Listeners.Caching;
using Serverless.Mail.Model;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap;

/// <summary>
/// Builds what SORT and THREAD compare from a message's index row (its summary: envelope and kept
/// header), so neither opens a blob. References come from the kept raw header; a message whose
/// header was too large to keep is threaded by its In-Reply-To alone.
/// </summary>
internal static class SortingFields
{
    public static SortFields ForSort(int number, CachedMessage row)
    {
        var env = row.Summary?.Envelope;
        return new SortFields(
            number,
            row.InternalDate,
            Sent(row),
            row.Size,
            ImapBaseSubject.Extract(env?.Subject).Key,
            First(env?.From)?.Mailbox ?? "",
            First(env?.To)?.Mailbox ?? "",
            First(env?.Cc)?.Mailbox ?? "",
            Display(First(env?.From)),
            Display(First(env?.To)));
    }

    public static ThreadMessage ForThread(long number, CachedMessage row)
    {
        var env = row.Summary?.Envelope;
        var (subject, marked) = ImapBaseSubject.Extract(env?.Subject);
        var messageId = ImapThreading.MessageIds(env?.MessageId) is [var id, ..] ? id : null;
        List<string> references = [];
        if (row.Summary?.RawHeader is { } header)
        {
            foreach (var value in ImapHeaderFields.Values(Encoding.Latin1.GetBytes(header), "References"))
            {
                references.AddRange(ImapThreading.MessageIds(value));
            }
        }
        if (references.Count == 0 && ImapThreading.MessageIds(env?.InReplyTo) is [var parent, ..])
        {
            references.Add(parent); // RFC 5256: In-Reply-To when there is no valid References
        }
        return new ThreadMessage(number, messageId, references, subject, marked, Sent(row));
    }

    /// <summary>The Date: header in UTC; the internal date when it is missing or unparseable (RFC 5256 2.2).</summary>
    private static DateTimeOffset Sent(CachedMessage row) =>
        row.Summary?.Envelope.Date is { } raw && DateUtils.TryParse(raw, out var sent) ? sent.ToUniversalTime() : row.InternalDate;

    /// <summary>
    /// The first address as ENVELOPE lists it (RFC 5256: "the first address"): for a group that is
    /// its start marker, whose mailbox is the group's name — Dovecot sorts a group by it too.
    /// </summary>
    private static AddressSummary? First(IReadOnlyList<AddressSummary>? list) => list is [var first, ..] ? first : null;

    /// <summary>RFC 5957: the decoded display name, else the addr-spec (a group's name, or a bare local part, alone).</summary>
    private static string Display(AddressSummary? address)
    {
        if (address is null)
        {
            return "";
        }
        var name = ImapEncodedWords.Decode(address.Name).Trim();
        return name.Length > 0 ? name : address.Host is null ? address.Mailbox ?? "" : address.Mailbox + "@" + address.Host;
    }
}
