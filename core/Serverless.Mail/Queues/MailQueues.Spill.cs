using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Storage.Blobs.Models;

namespace Serverless.Mail.Queues;

/// <summary>A queue message read back: its contract, and the spill blob it was loaded from (null when it came inline).</summary>
public sealed record QueuedMessage<T>(T Message, string? SpillBlob);

/// <summary>
/// Hand-offs too large for one queue message (hundreds of recipients with long UTF-8 addresses:
/// a queue message holds 64 KiB) go whole into a blob, <c>handoffs/{queue}/{yyyy}/{MM}/{dd}/{guid}.json</c>
/// in the messages container, and the queue gets a pointer <c>{"v":1,"id":…,"spill":…}</c>. Each send
/// writes its own blob, so a consumer deletes the one it read once its work is done; a redelivered
/// pointer whose blob is gone was done already. A blob whose pointer never arrived (the put failed)
/// is removed by <see cref="PruneSpillsAsync"/>. Messages that fit travel exactly as before.
/// </summary>
public sealed partial class MailQueues
{
    public const string SpillPrefix = "handoffs/";

    private sealed record SpillPointer
    {
        [JsonPropertyName("v")]
        public int Version { get; init; } = 1;

        [JsonPropertyName("id")]
        public required string Id { get; init; }

        [JsonPropertyName("spill")]
        public required string Blob { get; init; }
    }

    private async Task<string> SpillIfTooLargeAsync(string queue, string id, byte[] json, CancellationToken cancellationToken)
    {
        if (json.Length <= MaxMessageJsonBytes)
        {
            return Encoding.UTF8.GetString(json);
        }
        var name = $"{SpillPrefix}{queue}/{DateTime.UtcNow:yyyy'/'MM'/'dd}/{Guid.NewGuid():N}.json";
        await _spills.GetBlobClient(name).UploadAsync(new BinaryData(json),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } }, cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Serialize(new SpillPointer { Id = id, Blob = name }, Json);
    }

    /// <summary>The spill blob a queue message points to, or null for an inline hand-off.</summary>
    public static string? SpillOf(string queueMessage)
    {
        ArgumentNullException.ThrowIfNull(queueMessage);
        // A pointer is small; an inline hand-off never has a top-level "spill" property.
        if (queueMessage.Length > 2048 || !queueMessage.Contains("\"spill\"", StringComparison.Ordinal))
        {
            return null;
        }
        using var document = JsonDocument.Parse(queueMessage);
        if (!document.RootElement.TryGetProperty("spill", out var blob) || blob.ValueKind != JsonValueKind.String)
        {
            return null;
        }
        var name = blob.GetString()!;
        // Only ever names a spill blob: a pointer cannot make a consumer read or delete a message.
        return name.StartsWith(SpillPrefix, StringComparison.Ordinal) && !name.Contains("..", StringComparison.Ordinal)
            ? name
            : throw new FormatException("A spilled hand-off must point into " + SpillPrefix + ".");
    }

    /// <summary>Reads an inbound queue message, loading a spilled one. Null when its blob is gone: the hand-off was done before.</summary>
    public async Task<QueuedMessage<InboundHandoff>?> ReadInboundAsync(string queueMessage, CancellationToken cancellationToken = default)
    {
        var (json, spill) = await LoadAsync(queueMessage, cancellationToken).ConfigureAwait(false);
        return json is null ? null : new QueuedMessage<InboundHandoff>(ParseInbound(json), spill);
    }

    /// <summary>Reads an outbound queue message, loading a spilled one. Null when its blob is gone: the message was done before.</summary>
    public async Task<QueuedMessage<OutboundRelayMessage>?> ReadOutboundAsync(string queueMessage, CancellationToken cancellationToken = default)
    {
        var (json, spill) = await LoadAsync(queueMessage, cancellationToken).ConfigureAwait(false);
        return json is null ? null : new QueuedMessage<OutboundRelayMessage>(ParseOutbound(json), spill);
    }

    /// <summary>Deletes the spill blob of a queue message whose work is done (nothing for an inline one).</summary>
    public async Task DeleteSpillAsync(string? spillBlob, CancellationToken cancellationToken = default)
    {
        if (spillBlob is not null)
        {
            await _spills.GetBlobClient(spillBlob).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Deletes spill blobs written before <paramref name="olderThan"/>: ones whose queue put failed,
    /// or whose message went to a poison queue and was never replayed. Returns how many.
    /// </summary>
    public async Task<int> PruneSpillsAsync(DateTimeOffset olderThan, CancellationToken cancellationToken = default)
    {
        var deleted = 0;
        await foreach (var blob in _spills.GetBlobsAsync(new GetBlobsOptions { Prefix = SpillPrefix }, cancellationToken).ConfigureAwait(false))
        {
            if (blob.Properties.LastModified is { } modified && modified < olderThan)
            {
                await _spills.GetBlobClient(blob.Name).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                deleted++;
            }
        }
        return deleted;
    }

    private async Task<(string? Json, string? Spill)> LoadAsync(string queueMessage, CancellationToken cancellationToken)
    {
        var spill = SpillOf(queueMessage);
        if (spill is null)
        {
            return (queueMessage, null);
        }
        try
        {
            var content = await _spills.GetBlobClient(spill).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return (content.Value.Content.ToString(), spill);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return (null, spill);
        }
    }
}
