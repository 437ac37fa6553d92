using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Mail.Migration;
using Serverless.Mail.Spam.Bayes;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Provisioning;

/// <summary>The <c>mailbox-deletion</c> queue message: empty this mailbox's index and blobs once no address points at it.</summary>
public sealed record MailboxDeletionMessage
{
    public const int CurrentVersion = 1;

    [JsonPropertyName("v")]
    public int Version { get; init; } = CurrentVersion;

    public required string MailboxId { get; init; }

    /// <summary>The address the mailbox had; the consumer checks that it no longer names this mailbox.</summary>
    public required string Address { get; init; }

    public required string Tenant { get; init; }

    public DateTimeOffset RequestedAt { get; init; }
}

public enum MailboxRemovalOutcome
{
    /// <summary>Address, index and blobs are gone.</summary>
    Removed,

    /// <summary>The address is gone (no more logins or mail); the index and blobs go in the background.</summary>
    RemovingInBackground,
}

/// <summary>
/// Deletes mailboxes without leaving anything behind. First a delayed queue message is put as a
/// safety net, then the address row goes (logins and delivery stop at once); a small mailbox is
/// then emptied right away, a large one by the queue consumer. Whatever fails in between, the
/// message finishes the job later — and the consumer never empties a mailbox that an address still
/// points at, so a failed DELETE loses nothing.
/// </summary>
public sealed partial class MailboxRemoval
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly MailDirectory _directory;
    private readonly MailboxIndex _index;
    private readonly QueueClient _queue;
    private readonly ProvisioningOptions _options;
    private readonly ILogger<MailboxRemoval> _logger;
    private readonly ImportJobs _imports;
    private readonly TokenModelStore _spamTokens;

    public MailboxRemoval(MailDirectory directory, MailboxIndex index, MailStorage storage, ProvisioningOptions options, ILogger<MailboxRemoval> logger,
        ImportJobs imports, TokenModelStore spamTokens)
    {
        _imports = imports;
        _spamTokens = spamTokens;
        ArgumentNullException.ThrowIfNull(storage);
        _directory = directory;
        _index = index;
        _queue = storage.Queue(StorageNames.MailboxDeletionQueue);
        _options = options;
        _logger = logger;
    }

    /// <summary>Deletes a mailbox. With <paramref name="allowInline"/> false everything but the address goes to the background.</summary>
    public async Task<MailboxRemovalOutcome> RemoveAsync(MailboxRecord mailbox, bool allowInline, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        var usage = allowInline ? await _index.GetUsageAsync(mailbox.MailboxId, cancellationToken).ConfigureAwait(false) : null;
        var message = new MailboxDeletionMessage
        {
            MailboxId = mailbox.MailboxId,
            Address = mailbox.Address,
            Tenant = mailbox.TenantId,
            RequestedAt = DateTimeOffset.UtcNow,
        };
        await _queue.SendMessageAsync(JsonSerializer.Serialize(message, Json), _options.DeletionQueueDelay, TimeSpan.FromSeconds(-1), cancellationToken).ConfigureAwait(false);
        await _directory.RemoveMailboxAddressAsync(mailbox, cancellationToken).ConfigureAwait(false);
        if (usage is null || usage.Messages > _options.InlineDeleteMaxMessages)
        {
            return MailboxRemovalOutcome.RemovingInBackground;
        }
        try
        {
            await _index.DeleteMailboxAsync(mailbox.MailboxId, cancellationToken).ConfigureAwait(false);
            await DeleteRowsAboutAsync(mailbox.TenantId, mailbox.MailboxId, cancellationToken).ConfigureAwait(false);
            return MailboxRemovalOutcome.Removed;
        }
        catch (Exception e) when (e is RequestFailedException or HttpRequestException)
        {
            LogInlineFailed(e, mailbox.MailboxId);
            return MailboxRemovalOutcome.RemovingInBackground;
        }
    }

    /// <summary>
    /// The queue consumer: empties the index (and releases blobs) of a deleted mailbox. Idempotent —
    /// a second run finds nothing to delete. Throws (so the message is retried, and finally goes to
    /// the poison queue) while the address still names this mailbox, i.e. the DELETE did not happen.
    /// </summary>
    public async Task PurgeAsync(MailboxDeletionMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (MailAddress.TryParse(message.Address, out var address)
            && (await _directory.GetMailboxAsync(address, cancellationToken).ConfigureAwait(false))?.MailboxId == message.MailboxId)
        {
            throw new InvalidOperationException($"Mailbox {message.MailboxId} is still live at {message.Address}; not deleting it.");
        }
        await _index.DeleteMailboxAsync(message.MailboxId, cancellationToken).ConfigureAwait(false);
        await DeleteRowsAboutAsync(message.Tenant, message.MailboxId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What other tables keep about the mailbox: its <c>imports</c> partition, its spam model and <c>learnt|</c> rows (idempotent).</summary>
    private async Task DeleteRowsAboutAsync(string tenant, string mailboxId, CancellationToken cancellationToken)
    {
        await _imports.DeleteMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        await _spamTokens.DeleteMailboxAsync(tenant, mailboxId, cancellationToken).ConfigureAwait(false);
    }

    public static MailboxDeletionMessage Parse(string json)
    {
        var m = JsonSerializer.Deserialize<MailboxDeletionMessage>(json, Json) ?? throw new FormatException("Empty mailbox-deletion message.");
        if (m.Version != MailboxDeletionMessage.CurrentVersion)
        {
            throw new FormatException($"Mailbox-deletion message version {m.Version} is not supported.");
        }
        return m;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Emptying mailbox {MailboxId} failed; the deletion queue will finish it")]
    private partial void LogInlineFailed(Exception e, string mailboxId);
}
