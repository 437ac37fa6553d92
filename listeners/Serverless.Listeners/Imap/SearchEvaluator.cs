using System.Text;
using MimeKit;
using MimeKit.Utils;
using Serverless.Listeners.Caching;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap;

/// <summary>
/// Evaluates SEARCH criteria (RFC 3501 6.4.4) over the selected folder. Flags, UIDs, sequence
/// numbers and MODSEQ come from the session's view; size and dates from the index rows; header
/// keys from the header kept in the index (decoded with MimeKit, compared without regard to
/// case); BODY and TEXT search the message's decoded text parts for all their strings in one pass
/// (<see cref="BodyTextScan"/>): a small message from the cache (read whole once), a larger one
/// streamed, never held. Rows come from <see cref="MessageRows"/> (the process's cache, else read
/// in bulk) in UID order, and a blob is read only when an undecided criterion needs it.
/// </summary>
internal sealed class SearchEvaluator(ImapSession session, SelectedFolder selected)
{
    private List<string>? _needles;

    private SearchKey? _criteria;

    /// <summary>One "now" for the whole search, so WITHIN's window does not move between messages.</summary>
    private DateTimeOffset _now;

    public Task<List<int>> EvaluateAsync(SearchKey key, CancellationToken cancellationToken) =>
        EvaluateAsync(key, Enumerable.Range(0, selected.View.Count).ToList(), cancellationToken);

    /// <summary>The view positions among <paramref name="candidates"/> (ascending) that match.</summary>
    public async Task<List<int>> EvaluateAsync(SearchKey key, IReadOnlyList<int> candidates, CancellationToken cancellationToken)
    {
        _criteria = key;
        _now = session.Services.Time.GetUtcNow();
        var results = new List<int>();
        var needRow = Needs(key, k => k is SearchSize or SearchDate or SearchSavedDate or SearchAge or SearchObjectId { Thread: false } or SearchHeader or SearchBody or SearchText);
        if (!needRow)
        {
            foreach (var i in candidates)
            {
                if (await MatchAsync(key, new Candidate(i, null), cancellationToken))
                {
                    results.Add(i);
                }
            }
            return results;
        }
        var needSummary = Needs(key, k => k is SearchHeader or SearchText || k is SearchDate { Sent: true });
        await foreach (var (index, row) in new MessageRows(session, selected, needSummary).ReadAsync(candidates, cancellationToken))
        {
            if (row is null)
            {
                continue; // expunged elsewhere
            }
            if (await MatchAsync(key, new Candidate(index, row), cancellationToken))
            {
                results.Add(index);
            }
        }
        return results;
    }

    public static bool Needs(SearchKey key, Func<SearchKey, bool> test) => key switch
    {
        SearchNot n => Needs(n.Key, test),
        SearchOr o => Needs(o.Left, test) || Needs(o.Right, test),
        SearchAnd a => a.Keys.Any(k => Needs(k, test)),
        _ => test(key),
    };

    /// <summary>One message being tested, with what was loaded for it so far.</summary>
    private sealed class Candidate(int index, CachedMessage? row)
    {
        public int Index { get; } = index;

        public CachedMessage? Row { get; } = row;

        public HeaderList? Headers { get; set; }

        /// <summary>Per string of <see cref="_needles"/>: found in the decoded body text.</summary>
        public bool[]? Found { get; set; }
    }

    private async ValueTask<bool> MatchAsync(SearchKey key, Candidate c, CancellationToken cancellationToken)
    {
        var view = selected.View;
        switch (key)
        {
            case SearchAll:
                return true;
            case SearchFlag f:
                var has = f.Flag == ImapFlags.Recent ? selected.IsRecent(view.Uid(c.Index)) : selected.HasFlagAt(c.Index, f.Flag);
                return has == f.Set;
            case SearchSequence s:
                if (s.Set.IsSaved)
                {
                    return selected.Saved.Contains(view.Uid(c.Index));
                }
                return s.Uid ? s.Set.Contains(view.Uid(c.Index), view.LastUid) : s.Set.Contains(c.Index + 1, view.Count);
            case SearchModSeq m:
                return selected.ModSeqAt(c.Index) >= m.ModSeq;
            case SearchSize s:
                return s.Larger ? c.Row!.Size > s.Size : c.Row!.Size < s.Size;
            case SearchObjectId o:
                return !o.Thread && o.Id == ImapObjectIds.EmailId(session.State.User!.MailboxId, c.Row!.BlobName);
            case SearchAge a:
                // RFC 5032: OLDER n is an internal date more than n seconds ago, YOUNGER n at most n.
                var age = _now - c.Row!.InternalDate;
                return a.Older ? age > TimeSpan.FromSeconds(a.Seconds) : age <= TimeSpan.FromSeconds(a.Seconds);
            case SearchDate d:
                var date = d.Sent ? SentDate(c.Row!) : DateOnly.FromDateTime(c.Row!.InternalDate.UtcDateTime);
                return d.Comparison switch
                {
                    SearchDateComparison.Before => date < d.Date,
                    SearchDateComparison.On => date == d.Date,
                    _ => date >= d.Date,
                };
            case SearchSavedDate s:
                // RFC 8514; a row from before save dates were kept counts its internal date.
                var saved = DateOnly.FromDateTime((c.Row!.SavedDate ?? c.Row.InternalDate).UtcDateTime);
                return s.Comparison switch
                {
                    SearchDateComparison.Before => saved < s.Date,
                    SearchDateComparison.On => saved == s.Date,
                    _ => saved >= s.Date,
                };
            case SearchHeader h:
                var values = (await HeadersAsync(c, cancellationToken)).Where(x => x.Field.Equals(h.Field, StringComparison.OrdinalIgnoreCase)).ToList();
                return values.Count > 0 && (h.Value.Length == 0 || values.Any(x => Contains(x.Value, h.Value) || AddressContains(x, h.Value)));
            case SearchBody b:
                return await BodyContainsAsync(c, b.Value, cancellationToken);
            case SearchText t:
                return (await HeadersAsync(c, cancellationToken)).Any(x => Contains(x.Field + ": " + x.Value, t.Value))
                    || await BodyContainsAsync(c, t.Value, cancellationToken);
            case SearchNot n:
                return !await MatchAsync(n.Key, c, cancellationToken);
            case SearchOr o:
                return await MatchAsync(o.Left, c, cancellationToken) || await MatchAsync(o.Right, c, cancellationToken);
            case SearchAnd a:
                foreach (var k in a.Keys)
                {
                    if (!await MatchAsync(k, c, cancellationToken))
                    {
                        return false;
                    }
                }
                return true;
            default:
                return false;
        }
    }

    private static bool Contains(string? text, string value) =>
        text is not null && text.Contains(value, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// FROM / TO / CC / BCC (and any address header): the value matches the decoded display name,
    /// local part or domain of an address as a substring, case-insensitively, and also its
    /// "name &lt;local@domain&gt;" form (as Dovecot does) — encoded words, quoting and comments removed.
    /// </summary>
    private static bool AddressContains(Header header, string value)
    {
        if (header.Id is not (HeaderId.From or HeaderId.To or HeaderId.Cc or HeaderId.Bcc or HeaderId.Sender or HeaderId.ReplyTo)
            || !InternetAddressList.TryParse(ParserOptions.Default, header.RawValue, out var list))
        {
            return false;
        }
        foreach (var mailbox in list.Mailboxes)
        {
            if (Contains(mailbox.Name, value) || Contains(mailbox.Address, value)
                || Contains(string.IsNullOrEmpty(mailbox.Name) ? mailbox.Address : mailbox.Name + " <" + mailbox.Address + ">", value))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The Date: header's calendar date in its own zone (RFC 3501: time and zone disregarded); the internal date if unparseable.</summary>
    private static DateOnly SentDate(CachedMessage row)
    {
        var raw = row.Summary?.Envelope.Date;
        return raw is not null && DateUtils.TryParse(raw, out var sent)
            ? DateOnly.FromDateTime(sent.DateTime)
            : DateOnly.FromDateTime(row.InternalDate.UtcDateTime);
    }

    private async Task<HeaderList> HeadersAsync(Candidate c, CancellationToken cancellationToken)
    {
        if (c.Headers is not null)
        {
            return c.Headers;
        }
        var row = c.Row!;
        byte[] raw;
        if (row.Summary?.RawHeader is { } kept)
        {
            raw = Encoding.Latin1.GetBytes(kept);
        }
        else
        {
            var length = Math.Min(row.Summary?.HeaderLength is > 0 and var l ? l : row.Size, 1024 * 1024);
            var whole = await session.Services.Cache.ReadWholeAsync(session.Services.Messages, row.Source, row.Size, cancellationToken);
            if (whole is not null)
            {
                raw = whole.AsSpan(0, (int)Math.Min(length, whole.Length)).ToArray();
            }
            else
            {
                await using var stream = await session.Services.Messages.OpenReadRangeAsync(row.Source, 0, length, cancellationToken);
                using var buffer = new MemoryStream();
                await stream.CopyToAsync(buffer, cancellationToken);
                raw = buffer.ToArray();
            }
        }
        using var input = new MemoryStream(raw);
        c.Headers = await HeaderList.LoadAsync(ParserOptions.Default, input, cancellationToken);
        return c.Headers;
    }

    private async Task<bool> BodyContainsAsync(Candidate c, string value, CancellationToken cancellationToken)
    {
        if (_needles is null)
        {
            _needles = [];
            Collect(_criteria!);
        }
        if (c.Found is null)
        {
            var row = c.Row!;
            var whole = await session.Services.Cache.ReadWholeAsync(session.Services.Messages, row.Source, row.Size, cancellationToken);
            await using var stream = whole is not null ? (Stream)new MemoryStream(whole, writable: false) : await session.Services.Messages.OpenReadAsync(row.Source, cancellationToken);
            c.Found = await BodyTextScan.FindAsync(stream, _needles, cancellationToken);
        }
        return c.Found[_needles.IndexOf(value)];
    }

    /// <summary>Every BODY / TEXT string of the criteria, so one pass over a message answers them all.</summary>
    private void Collect(SearchKey key)
    {
        switch (key)
        {
            case SearchBody b when !_needles!.Contains(b.Value):
                _needles.Add(b.Value);
                break;
            case SearchText t when !_needles!.Contains(t.Value):
                _needles.Add(t.Value);
                break;
            case SearchNot n:
                Collect(n.Key);
                break;
            case SearchOr o:
                Collect(o.Left);
                Collect(o.Right);
                break;
            case SearchAnd a:
                foreach (var k in a.Keys)
                {
                    Collect(k);
                }
                break;
        }
    }
}
