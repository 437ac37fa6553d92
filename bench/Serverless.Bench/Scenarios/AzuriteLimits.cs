using System.Diagnostics;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace Serverless.Bench.Scenarios;

/// <summary>
/// Azurite's own limits with the Azure SDK alone (no service code): what any design on this
/// emulator can at best reach. Each operation runs for ~2 s with 16 concurrent callers.
/// </summary>
internal static class AzuriteLimits
{
    private const int Callers = 16;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(2);

    public static async Task RunAsync(string connectionString, Report report)
    {
        var id = "lim" + Guid.NewGuid().ToString("N")[..8];
        var service = new BlobServiceClient(connectionString, new BlobClientOptions(BlobClientOptions.ServiceVersion.V2026_06_06));
        var blobs = service.GetBlobContainerClient(id);
        await blobs.CreateAsync();
        var table = new TableServiceClient(connectionString).GetTableClient(id);
        await table.CreateAsync();
        var queue = new QueueServiceClient(connectionString, new QueueClientOptions(QueueClientOptions.ServiceVersion.V2026_06_06)).GetQueueClient(id);
        await queue.CreateAsync();

        var tenK = new BinaryData(new byte[10 * 1024]);
        var thirtyK = new BinaryData(new byte[30 * 1024]);
        await Rate(report, "Azurite: blob puts (10 KiB)", i => blobs.GetBlobClient($"p{i}").UploadAsync(tenK, overwrite: true));
        for (var i = 0; i < 64; i++)
        {
            await blobs.GetBlobClient($"g{i}").UploadAsync(thirtyK, overwrite: true);
        }
        await Rate(report, "Azurite: blob gets (30 KiB)", async i => (await blobs.GetBlobClient($"g{i % 64}").DownloadContentAsync()).Value.Content.ToMemory());
        // A blob delete is a LokiJS findAndRemove: a scan of every blob in the account and a re-sort of
        // the blob collection's four indexes, so its cost grows with all the blobs stored (IMAP EXPUNGE
        // deletes one per message). Measured here with the puts above still stored, then with more.
        var stored = await CountBlobsAsync(blobs);
        var deletable = stored;
        await Rate(report, $"Azurite: blob deletes, {stored:#,0} blobs stored", i => DeleteAsync(blobs, $"p{i}", i < deletable), countResult: true);
        // 4,000 more, named as MessageStore names messages, in a container of their own that is
        // dropped after (one Delete Container removes them with one re-sort). Names in time order
        // (GUID v7) were tried: 14.7 ms instead of 14.9, no help (bench/README.md, issue 16).
        stored = await CountBlobsAsync(blobs);
        var set = service.GetBlobContainerClient(id + "x");
        await set.CreateAsync();
        var names = Enumerable.Range(0, 4000).Select(_ => $"2026/12/04/{Guid.NewGuid():N}.eml").ToArray();
        await Parallel.ForEachAsync(Enumerable.Range(0, names.Length), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            await set.GetBlobClient(names[i]).UploadAsync(tenK, overwrite: true, ct));
        await Rate(report, $"Azurite: blob deletes, {stored + names.Length:#,0} blobs stored", i => DeleteAsync(set, names[Math.Min(i, names.Length - 1)], i < names.Length), countResult: true);
        await set.DeleteAsync();
        await Rate(report, "Azurite: table inserts (1 entity)", i => table.AddEntityAsync(new TableEntity("p" + (i % 16), "r" + i) { ["v"] = i }));
        await Rate(report, "Azurite: table point reads", i => table.GetEntityAsync<TableEntity>("p" + (i % 100 % 16), "r" + (i % 100)));
        // A partition range query, as the mailbox index makes them, in a small and in a larger table:
        // Azurite (LokiJS) filters the whole table for each query, Azure Table storage does not.
        await table.SubmitTransactionAsync(Enumerable.Range(0, 20).Select(k => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("q", $"m{k:D4}") { ["v"] = k })));
        var rangeFilter = "PartitionKey eq 'q' and RowKey ge 'm0000' and RowKey lt 'm0020'";
        await Rate(report, $"Azurite: table range query (20 rows) in a table of {await CountAsync(table):#,0} rows", async _ => await CountAsync(table, rangeFilter));
        await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (b, ct) =>
            await table.SubmitTransactionAsync(Enumerable.Range(0, 100).Select(k => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("big" + b, $"r{k:D4}") { ["v"] = k })), ct));
        await Rate(report, $"Azurite: table range query (20 rows) in a table of {await CountAsync(table):#,0} rows", async _ => await CountAsync(table, rangeFilter));
        await Rate(report, "Azurite: table transactions (10 inserts, 1 partition)", i => table.SubmitTransactionAsync(
            Enumerable.Range(0, 10).Select(k => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("b" + i, "r" + k) { ["v"] = k }))));
        await Rate(report, "Azurite: queue puts", i => queue.SendMessageAsync("message " + i));
        await queue.ClearMessagesAsync();
        // What a queue trigger sees: a shallow queue. A deep one is much slower on Azurite (receive scans it).
        await Rate(report, "Azurite: queue put + receive + delete (shallow queue), per message", async i =>
        {
            await queue.SendMessageAsync("message " + i);
            var got = (await queue.ReceiveMessagesAsync(1)).Value;
            await Task.WhenAll(got.Select(m => queue.DeleteMessageAsync(m.MessageId, m.PopReceipt)));
            return got.Length;
        }, countResult: true);
        await blobs.DeleteAsync();
        await table.DeleteAsync();
        await queue.DeleteAsync();
    }

    /// <summary>1 when the blob was deleted; 0 (after a short pause, so the caller does not spin) when none is left.</summary>
    private static async Task<int> DeleteAsync(BlobContainerClient container, string name, bool exists)
    {
        if (!exists)
        {
            await Task.Delay(10);
            return 0;
        }
        return (await container.GetBlobClient(name).DeleteIfExistsAsync()).Value ? 1 : 0;
    }

    private static async Task<int> CountBlobsAsync(BlobContainerClient container)
    {
        var n = 0;
        await foreach (var _ in container.GetBlobsAsync())
        {
            n++;
        }
        return n;
    }

    private static async Task<int> CountAsync(TableClient table, string? filter = null)
    {
        var n = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(filter, select: ["RowKey"]))
        {
            n++;
        }
        return n;
    }

    private static Task Rate<T>(Report report, string name, Func<int, Task<T>> op) => Rate(report, name, async i => { await op(i); return 1; }, countResult: false);

    private static async Task Rate(Report report, string name, Func<int, Task<int>> op, bool countResult)
    {
        var next = -1;
        long done = 0;
        var cpu = new CpuWindow();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < Duration)
            {
                var n = await op(Interlocked.Increment(ref next));
                Interlocked.Add(ref done, countResult ? n : 1);
            }
        })));
        cpu.EndProfile();
        var cost = cpu.AzuriteCostPer(done);
        report.Add(name, done / clock.Elapsed.TotalSeconds, "ops/s", null, $"{Callers} concurrent callers" + (cost.Length > 0 ? "; " + cost : ""));
    }
}
