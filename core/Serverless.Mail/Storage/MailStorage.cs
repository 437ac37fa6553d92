using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace Serverless.Mail.Storage;

/// <summary>
/// The one storage account, split by role: blobs for message bytes, tables for the directory
/// and the mailbox index, queues for hand-offs. Every client shares one retry policy and one
/// <see cref="StorageRequestMeter"/>.
/// </summary>
public sealed class MailStorage
{
    private readonly BlobServiceClient _blobs;
    private readonly TableServiceClient _tables;
    private readonly QueueServiceClient _queues;

    public MailStorage(StorageOptions options, StorageRequestMeter meter)
    {
        ArgumentNullException.ThrowIfNull(options);
        Names = new StorageNames(options.Prefix);
        Meter = meter;

        var blobOptions = options.PinServiceVersionForAzurite ? new BlobClientOptions(BlobClientOptions.ServiceVersion.V2026_06_06) : new BlobClientOptions();
        var queueOptions = options.PinServiceVersionForAzurite ? new QueueClientOptions(QueueClientOptions.ServiceVersion.V2026_06_06) : new QueueClientOptions();
        queueOptions.MessageEncoding = QueueMessageEncoding.Base64;
        var tableOptions = new TableClientOptions();
        foreach (var (o, service) in new (ClientOptions, string)[] { (blobOptions, "blob"), (queueOptions, "queue"), (tableOptions, "table") })
        {
            o.AddPolicy(meter.ForService(service), HttpPipelinePosition.PerRetry);
            o.Retry.Mode = RetryMode.Exponential;
            o.Retry.MaxRetries = 3;
            o.Retry.Delay = TimeSpan.FromMilliseconds(200);
            o.Retry.MaxDelay = TimeSpan.FromSeconds(4);
            o.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
            // Every request otherwise passes the SDK's request-activity and logging policies, which look
            // for listeners (and, inside a traced flow, add trace headers) on every call. Nothing here
            // listens: the storage meter above counts and times each request, the SDK's event source
            // is not forwarded, and telemetry traces storage calls — when asked to
            // (Mail:Telemetry:TraceStorageRequests) — through HttpClient's own instrumentation.
            o.Diagnostics.IsDistributedTracingEnabled = false;
            o.Diagnostics.IsLoggingEnabled = false;
        }

        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            _blobs = new BlobServiceClient(options.ConnectionString, blobOptions);
            _tables = new TableServiceClient(options.ConnectionString, tableOptions);
            _queues = new QueueServiceClient(options.ConnectionString, queueOptions);
        }
        else if (!string.IsNullOrWhiteSpace(options.AccountName))
        {
            TokenCredential credential = string.IsNullOrWhiteSpace(options.ClientId)
                ? new DefaultAzureCredential()
                : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(options.ClientId));
            var a = options.AccountName;
            _blobs = new BlobServiceClient(new Uri($"https://{a}.blob.core.windows.net"), credential, blobOptions);
            _tables = new TableServiceClient(new Uri($"https://{a}.table.core.windows.net"), credential, tableOptions);
            _queues = new QueueServiceClient(new Uri($"https://{a}.queue.core.windows.net"), credential, queueOptions);
        }
        else
        {
            throw new InvalidOperationException("Storage is not configured: set Mail__Storage__ConnectionString (e.g. UseDevelopmentStorage=true) or Mail__Storage__AccountName.");
        }

        Messages = _blobs.GetBlobContainerClient(Names.Container(StorageNames.MessagesContainer));
        Keys = _blobs.GetBlobContainerClient(Names.Container(StorageNames.KeysContainer));
        Directory = _tables.GetTableClient(Names.Table(StorageNames.DirectoryTable));
        MailIndex = _tables.GetTableClient(Names.Table(StorageNames.MailIndexTable));
        BlobHolders = _tables.GetTableClient(Names.Table(StorageNames.BlobHoldersTable));
        Inbound = _queues.GetQueueClient(Names.Queue(StorageNames.InboundQueue));
        InboundPoison = _queues.GetQueueClient(Names.PoisonQueue(StorageNames.InboundQueue));
        Outbound = _queues.GetQueueClient(Names.Queue(StorageNames.OutboundQueue));
        OutboundPoison = _queues.GetQueueClient(Names.PoisonQueue(StorageNames.OutboundQueue));
    }

    public StorageNames Names { get; }

    public StorageRequestMeter Meter { get; }

    /// <summary>Raw RFC 5322 messages, one blob per accepted message.</summary>
    public BlobContainerClient Messages { get; }

    /// <summary>Private keys kept server side when no Key Vault is configured (DKIM).</summary>
    public BlobContainerClient Keys { get; }

    public TableClient Directory { get; }

    public TableClient MailIndex { get; }

    public TableClient BlobHolders { get; }

    public QueueClient Inbound { get; }

    public QueueClient InboundPoison { get; }

    public QueueClient Outbound { get; }

    public QueueClient OutboundPoison { get; }

    /// <summary>Any queue of this deployment by logical name (the dev host polls them this way).</summary>
    public QueueClient Queue(string logicalName) => _queues.GetQueueClient(Names.Queue(logicalName));

    public QueueClient PoisonQueue(string logicalName) => _queues.GetQueueClient(Names.PoisonQueue(logicalName));

    public TableClient Table(string logicalName) => _tables.GetTableClient(Names.Table(logicalName));

    /// <summary>Creates every table, container and queue if missing. Idempotent; run once at startup.</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        await Task.WhenAll(
            Messages.CreateIfNotExistsAsync(cancellationToken: cancellationToken),
            Keys.CreateIfNotExistsAsync(cancellationToken: cancellationToken),
            Directory.CreateIfNotExistsAsync(cancellationToken),
            MailIndex.CreateIfNotExistsAsync(cancellationToken),
            BlobHolders.CreateIfNotExistsAsync(cancellationToken),
            Table(StorageNames.OutboundTable).CreateIfNotExistsAsync(cancellationToken),
            Table(StorageNames.RateLimitsTable).CreateIfNotExistsAsync(cancellationToken),
            Table(StorageNames.SpamSettingsTable).CreateIfNotExistsAsync(cancellationToken),
            Table(StorageNames.ReputationTable).CreateIfNotExistsAsync(cancellationToken),
            Table(StorageNames.VacationTable).CreateIfNotExistsAsync(cancellationToken),
            Inbound.CreateIfNotExistsAsync(cancellationToken: cancellationToken),
            InboundPoison.CreateIfNotExistsAsync(cancellationToken: cancellationToken),
            Outbound.CreateIfNotExistsAsync(cancellationToken: cancellationToken),
            OutboundPoison.CreateIfNotExistsAsync(cancellationToken: cancellationToken),
            Queue(StorageNames.MailboxDeletionQueue).CreateIfNotExistsAsync(cancellationToken: cancellationToken),
            PoisonQueue(StorageNames.MailboxDeletionQueue).CreateIfNotExistsAsync(cancellationToken: cancellationToken),
            Table(StorageNames.SpamTokensTable).CreateIfNotExistsAsync(cancellationToken),
            Table(StorageNames.UsageTable).CreateIfNotExistsAsync(cancellationToken),
            Queue(StorageNames.SpamLearningQueue).CreateIfNotExistsAsync(cancellationToken: cancellationToken),
            PoisonQueue(StorageNames.SpamLearningQueue).CreateIfNotExistsAsync(cancellationToken: cancellationToken),
            Table(StorageNames.ImportsTable).CreateIfNotExistsAsync(cancellationToken),
            Queue(StorageNames.MailboxImportQueue).CreateIfNotExistsAsync(cancellationToken: cancellationToken),
            PoisonQueue(StorageNames.MailboxImportQueue).CreateIfNotExistsAsync(cancellationToken: cancellationToken)).ConfigureAwait(false);
    }
}
