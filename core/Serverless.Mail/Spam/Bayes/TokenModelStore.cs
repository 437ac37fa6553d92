using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Serverless.Mail.Spam.Learning;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Spam.Bayes;

/// <summary>What learning one message did.</summary>
public enum LearnOutcome
{
    /// <summary>Counted now (first time, or moved over from the other verdict).</summary>
    Learnt,

    /// <summary>Already counted as this verdict: nothing changed.</summary>
    AlreadyLearnt,
}

/// <summary>
/// The <c>spamtokens</c> table (docs/storage.md): per tenant one partition holding its base model
/// (<c>base</c>), one model per mailbox that learnt anything (<c>mailbox|{id}</c>), and one small
/// row per learnt message (<c>learnt|{mailbox}|{blob}</c>: which verdict it was counted as, and
/// whether it also went into the base). A model is one entity: its <see cref="TokenCounts"/>
/// serialized and split over binary properties of at most 64 KiB. Classifying reads at most two
/// entities and keeps them for <see cref="SpamLearningOptions.ModelCacheTime"/>; learning writes
/// the mailbox model, the base model and the message's row in one entity-group transaction guarded
/// by their ETags, so a message is counted once however often it is learnt, and a crash leaves
/// either all three written or none.
/// </summary>
public sealed class TokenModelStore(MailStorage storage, SpamLearningOptions options, TimeProvider time)
{
    public const string BaseRowKey = "base";
    private const int ChunkBytes = 64 * 1024;
    private const int MaxAttempts = 20;

    private readonly TableClient _table = storage.Table(StorageNames.SpamTokensTable);
    private readonly ConcurrentDictionary<(string Tenant, string Row), (Task<TokenCounts?> Model, DateTimeOffset Until)> _cache = new();

    public TableClient Table => _table;

    public static string Partition(string tenantId) => KeyEscaping.Escape(tenantId);

    public static string MailboxRowKey(string mailboxId) => "mailbox|" + KeyEscaping.Escape(mailboxId);

    public static string LearntRowKey(string mailboxId, string messageKey) => "learnt|" + KeyEscaping.Escape(mailboxId) + "|" + KeyEscaping.Escape(messageKey);

    /// <summary>The tenant's base (<paramref name="mailboxId"/> null) or a mailbox's model, from this process's memory when read recently; null when nothing was learnt.</summary>
    public Task<TokenCounts?> GetAsync(string tenantId, string? mailboxId, CancellationToken cancellationToken)
    {
        var key = (tenantId, mailboxId is null ? BaseRowKey : MailboxRowKey(mailboxId));
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(key, out var cached) && cached.Until > now && !cached.Model.IsFaulted && !cached.Model.IsCanceled)
        {
            return cached.Model;
        }
        // Concurrent classifications of one scope share one read (the first caller's token is not theirs to cancel).
        var load = ReadModelAsync(key.Item1, key.Item2, CancellationToken.None);
        _cache[key] = (load, now + options.ModelCacheTime);
        return load.WaitAsync(cancellationToken);
    }

    /// <summary>The model as stored now, past this process's cache (what the training API reports).</summary>
    public Task<TokenCounts?> ReadAsync(string tenantId, string? mailboxId, CancellationToken cancellationToken) =>
        ReadModelAsync(tenantId, mailboxId is null ? BaseRowKey : MailboxRowKey(mailboxId), cancellationToken);

    private async Task<TokenCounts?> ReadModelAsync(string tenantId, string rowKey, CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(Partition(tenantId), rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? Decode(row.Value!) : null;
    }

    /// <summary>
    /// Counts one message's tokens as <paramref name="spam"/> (or ham) for the mailbox, and for the
    /// tenant's base while the mailbox's share of it is under <see cref="SpamLearningOptions.BaseShareLimit"/>.
    /// Learnt before as the other verdict: its counts are moved over. <paramref name="messageKey"/>
    /// identifies the message (its blob name: the same across COPY and MOVE).
    /// </summary>
    public async Task<LearnOutcome> LearnAsync(string tenantId, string mailboxId, string messageKey, IReadOnlyCollection<uint> hashes, bool spam, CancellationToken cancellationToken)
    {
        var pk = Partition(tenantId);
        var mailboxKey = MailboxRowKey(mailboxId);
        var learntKey = LearntRowKey(mailboxId, messageKey);
        for (var attempt = 1; ; attempt++)
        {
            var reads = await Task.WhenAll(
                _table.GetEntityIfExistsAsync<TableEntity>(pk, mailboxKey, cancellationToken: cancellationToken),
                _table.GetEntityIfExistsAsync<TableEntity>(pk, BaseRowKey, cancellationToken: cancellationToken),
                _table.GetEntityIfExistsAsync<TableEntity>(pk, learntKey, cancellationToken: cancellationToken)).ConfigureAwait(false);
            var (mailboxRow, baseRow, learntRow) = (reads[0].HasValue ? reads[0].Value : null, reads[1].HasValue ? reads[1].Value : null, reads[2].HasValue ? reads[2].Value : null);
            var verdict = spam ? "spam" : "ham";
            if (learntRow?.GetString("Verdict") == verdict)
            {
                return LearnOutcome.AlreadyLearnt;
            }
            var mailbox = mailboxRow is null ? new TokenCounts() : Decode(mailboxRow);
            var tenantBase = baseRow is null ? new TokenCounts() : Decode(baseRow);
            var shareSpam = mailboxRow?.GetInt32("BaseSpam") ?? 0;
            var shareHam = mailboxRow?.GetInt32("BaseHam") ?? 0;
            if (learntRow is not null)
            {
                mailbox.Learn(hashes, !spam, -1);
                if (learntRow.GetBoolean("InBase") == true)
                {
                    tenantBase.Learn(hashes, !spam, -1);
                    _ = spam ? shareHam-- : shareSpam--;
                }
            }
            mailbox.Learn(hashes, spam, 1);
            mailbox.Prune(options.MaxTokens);
            var inBase = (spam ? shareSpam : shareHam) < options.BaseShareLimit;
            if (inBase)
            {
                tenantBase.Learn(hashes, spam, 1);
                tenantBase.Prune(options.MaxTokens);
                _ = spam ? shareSpam++ : shareHam++;
            }
            var mailboxEntity = Encode(pk, mailboxKey, mailbox);
            mailboxEntity["BaseSpam"] = Math.Max(0, shareSpam);
            mailboxEntity["BaseHam"] = Math.Max(0, shareHam);
            var learntEntity = new TableEntity(pk, learntKey) { ["Verdict"] = verdict, ["InBase"] = inBase, ["LearntAt"] = time.GetUtcNow() };
            var batch = new List<TableTransactionAction>
            {
                Write(mailboxEntity, mailboxRow),
                Write(learntEntity, learntRow),
            };
            var baseChanged = inBase || learntRow?.GetBoolean("InBase") == true;
            if (baseChanged)
            {
                batch.Add(Write(Encode(pk, BaseRowKey, tenantBase), baseRow));
            }
            try
            {
                await _table.SubmitTransactionAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            catch (TableTransactionFailedException e) when (e.Status is 404 or 409 or 412 && attempt < MaxAttempts)
            {
                // Another learner wrote one of these rows first: read them again and redo the sums.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(10, 50 * attempt)), cancellationToken).ConfigureAwait(false);
                continue;
            }
            var until = time.GetUtcNow() + options.ModelCacheTime;
            _cache[(tenantId, mailboxKey)] = (Task.FromResult<TokenCounts?>(mailbox), until);
            if (baseChanged)
            {
                _cache[(tenantId, BaseRowKey)] = (Task.FromResult<TokenCounts?>(tenantBase), until);
            }
            return LearnOutcome.Learnt;
        }
    }

    /// <summary>How a message was learnt for a mailbox: "spam", "ham" or null.</summary>
    public async Task<string?> GetLearntVerdictAsync(string tenantId, string mailboxId, string messageKey, CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(Partition(tenantId), LearntRowKey(mailboxId, messageKey), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value!.GetString("Verdict") : null;
    }

    /// <summary>Forgets what this process remembers, so the next read goes to storage (tests, and after an outside change).</summary>
    public void ForgetCached() => _cache.Clear();

    /// <summary>
    /// A deleted mailbox's rows: its model and its <c>learnt|</c> rows (one range query, one
    /// transaction per 100 rows). What it taught the tenant's base stays there: that is the
    /// tenant's knowledge, not the mailbox's. Returns the rows deleted.
    /// </summary>
    public async Task<int> DeleteMailboxAsync(string tenantId, string mailboxId, CancellationToken cancellationToken)
    {
        var pk = Partition(tenantId);
        var from = LearntRowKey(mailboxId, "");
        var to = from[..^1] + "}"; // the prefix's last '|' + 1: every row key under the prefix sorts before it
        var model = MailboxRowKey(mailboxId);
        var rows = new List<TableEntity>();
        // One query finds the model row and the learnt rows (a mailbox that learnt nothing costs just this).
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {pk} and ((RowKey ge {from} and RowKey lt {to}) or RowKey eq {model})");
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(e);
        }
        foreach (var chunk in rows.Chunk(100))
        {
            await _table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)), cancellationToken)
                .ConfigureAwait(false);
        }
        _cache.TryRemove((tenantId, model), out _);
        return rows.Count;
    }

    private static TableTransactionAction Write(TableEntity entity, TableEntity? existing) => existing is null
        ? new TableTransactionAction(TableTransactionActionType.Add, entity)
        : new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, existing.ETag);

    internal static TableEntity Encode(string partitionKey, string rowKey, TokenCounts model)
    {
        var bytes = model.Serialize();
        var entity = new TableEntity(partitionKey, rowKey)
        {
            ["SpamMessages"] = model.SpamMessages,
            ["HamMessages"] = model.HamMessages,
            ["Tokens"] = model.TokenCount,
        };
        var chunks = 0;
        for (var at = 0; at < bytes.Length; at += ChunkBytes, chunks++)
        {
            entity["D" + chunks] = bytes.AsSpan(at, Math.Min(ChunkBytes, bytes.Length - at)).ToArray();
        }
        entity["Chunks"] = chunks;
        return entity;
    }

    internal static TokenCounts Decode(TableEntity entity)
    {
        var chunks = entity.GetInt32("Chunks") ?? 0;
        var parts = Enumerable.Range(0, chunks).Select(i => entity.GetBinary("D" + i) ?? throw new FormatException($"Token model {entity.RowKey} lacks chunk {i}.")).ToList();
        var bytes = new byte[parts.Sum(p => p.Length)];
        var at = 0;
        foreach (var p in parts)
        {
            p.CopyTo(bytes, at);
            at += p.Length;
        }
        var model = TokenCounts.Deserialize(bytes);
        model.InBase = (entity.GetInt32("BaseSpam") ?? 0, entity.GetInt32("BaseHam") ?? 0);
        return model;
    }
}
