using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Spam;

/// <summary>A domain's record: spam and ham verdicts, each decayed to <see cref="At"/>.</summary>
public readonly record struct ReputationCounts(double Spam, double Ham, DateTimeOffset At)
{
    /// <summary>The counts as they stand at <paramref name="now"/>: halved every <paramref name="halfLife"/>.</summary>
    public ReputationCounts DecayTo(DateTimeOffset now, TimeSpan halfLife)
    {
        if (now <= At || halfLife <= TimeSpan.Zero)
        {
            return this with { At = now > At ? now : At };
        }
        var factor = Math.Pow(0.5, (now - At) / halfLife);
        return new ReputationCounts(Spam * factor, Ham * factor, now);
    }

    /// <summary>-1 (only ham) … +1 (only spam), pulled towards 0 while there is little evidence.</summary>
    public double Leaning => (Spam - Ham) / (Spam + Ham + 2);

    public double Total => Spam + Ham;
}

/// <summary>
/// The decaying reputation of sending domains, from this service's own earlier verdicts: each scored
/// message from an authenticated domain (DMARC-aligned From:, else the SPF-passing MAIL FROM
/// domain — an unauthenticated name could be anybody's) counts as spam or ham, and the counts halve
/// every <see cref="SpamOptions.ReputationHalfLife"/>. One row per domain in the <c>reputation</c>
/// table (PartitionKey = domain, RowKey "r", columns Spam, Ham, At), read through a per-process cache
/// (<see cref="SpamOptions.ReputationCacheLifetime"/>, absent rows included) and written in the
/// background at most once per domain per <see cref="SpamOptions.ReputationFlushInterval"/>, the
/// process's verdicts of that time added together, read-decay-add-write under the row's ETag (a
/// concurrent writer in another listener makes it read again). So scoring a message adds no
/// storage request once the domain is cached, and a burst from one domain costs one write.
/// Verdicts not yet written when the process stops are lost: a reputation is a hint, not a ledger.
/// </summary>
public sealed partial class SenderReputation(MailStorage storage, SpamOptions options, TimeProvider time, ILogger<SenderReputation> logger)
{
    private const string RowKey = "r";
    private const int MaxEntries = 50_000;
    private readonly ConcurrentDictionary<string, (ReputationCounts? Counts, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);

    private TableClient Table => storage.Table(StorageNames.ReputationTable);

    /// <summary>The domain's counts now, with this process's unwritten verdicts; null when nothing is known.</summary>
    public async Task<ReputationCounts?> GetAsync(string domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        domain = domain.ToLowerInvariant();
        var now = time.GetUtcNow();
        ReputationCounts? counts;
        if (_cache.TryGetValue(domain, out var hit) && hit.Expires > now)
        {
            counts = hit.Counts;
        }
        else
        {
            counts = (await ReadAsync(domain, cancellationToken).ConfigureAwait(false)).Counts;
            Remember(domain, counts, now);
        }
        if (_pending.TryGetValue(domain, out var pending))
        {
            var (spam, ham) = pending.Read();
            var basis = counts?.DecayTo(now, options.ReputationHalfLife) ?? new ReputationCounts(0, 0, now);
            counts = basis with { Spam = basis.Spam + spam, Ham = basis.Ham + ham };
        }
        return counts?.DecayTo(now, options.ReputationHalfLife);
    }

    /// <summary>Counts one verdict for <paramref name="domain"/>; written in the background.</summary>
    public void Record(string domain, bool spam)
    {
        ArgumentNullException.ThrowIfNull(domain);
        domain = domain.ToLowerInvariant();
        var pending = _pending.GetOrAdd(domain, _ => new Pending());
        if (pending.Add(spam))
        {
            _ = FlushLaterAsync(domain, pending);
        }
    }

    private async Task FlushLaterAsync(string domain, Pending pending)
    {
        try
        {
            await Task.Delay(options.ReputationFlushInterval, time).ConfigureAwait(false);
            await FlushAsync(domain, pending, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogFlushFailed(domain, e.Message);
        }
        finally
        {
            _pending.TryRemove(new KeyValuePair<string, Pending>(domain, pending));
            // Verdicts counted while this one flushed start a new round.
            if (pending.Take() is { } rest && (rest.Spam > 0 || rest.Ham > 0))
            {
                for (var i = 0; i < rest.Spam; i++)
                {
                    Record(domain, true);
                }
                for (var i = 0; i < rest.Ham; i++)
                {
                    Record(domain, false);
                }
            }
        }
    }

    private async Task FlushAsync(string domain, Pending pending, CancellationToken cancellationToken)
    {
        var (spam, ham) = pending.Take() ?? (0, 0);
        for (var attempt = 1; ; attempt++)
        {
            var (counts, etag) = await ReadAsync(domain, cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            var basis = counts?.DecayTo(now, options.ReputationHalfLife) ?? new ReputationCounts(0, 0, now);
            var next = basis with { Spam = basis.Spam + spam, Ham = basis.Ham + ham };
            var entity = new TableEntity(KeyEscaping.Escape(domain), RowKey) { ["Spam"] = next.Spam, ["Ham"] = next.Ham, ["At"] = next.At };
            try
            {
                if (etag is { } e)
                {
                    await Table.UpdateEntityAsync(entity, e, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await Table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
                }
                Remember(domain, next, now);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < 5)
            {
                // another process wrote the row in between: read it again
            }
        }
    }

    private async Task<(ReputationCounts? Counts, ETag? ETag)> ReadAsync(string domain, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(KeyEscaping.Escape(domain), RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!row.HasValue || row.Value is null)
        {
            return (null, null);
        }
        var e = row.Value;
        return (new ReputationCounts(e.GetDouble("Spam") ?? 0, e.GetDouble("Ham") ?? 0, e.GetDateTimeOffset("At") ?? time.GetUtcNow()), e.ETag);
    }

    private void Remember(string domain, ReputationCounts? counts, DateTimeOffset now)
    {
        if (_cache.Count >= MaxEntries)
        {
            _cache.Clear();
        }
        _cache[domain] = (counts, now + options.ReputationCacheLifetime);
    }

    /// <summary>Verdicts counted in this process and not yet written.</summary>
    private sealed class Pending
    {
        private int _spam;
        private int _ham;
        private bool _scheduled;
        private readonly Lock _gate = new();

        /// <summary>True for the first verdict of a round: the caller schedules the write.</summary>
        public bool Add(bool spam)
        {
            lock (_gate)
            {
                if (spam)
                {
                    _spam++;
                }
                else
                {
                    _ham++;
                }
                var first = !_scheduled;
                _scheduled = true;
                return first;
            }
        }

        public (int Spam, int Ham) Read()
        {
            lock (_gate)
            {
                return (_spam, _ham);
            }
        }

        public (int Spam, int Ham)? Take()
        {
            lock (_gate)
            {
                var taken = (_spam, _ham);
                _spam = 0;
                _ham = 0;
                return taken;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write the reputation of {Domain}: {Reason}")]
    private partial void LogFlushFailed(string domain, string reason);
}
