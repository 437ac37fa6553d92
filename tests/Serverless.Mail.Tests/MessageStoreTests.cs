using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Messages;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Xunit;

namespace Serverless.Mail.Tests;

[CollectionDefinition(nameof(MemoryMeasuring), DisableParallelization = true)]
public sealed class MemoryMeasuring;

[Collection(nameof(MemoryMeasuring))]
public sealed class MessageStoreTests
{
    [Fact]
    public async Task A_25_MiB_message_round_trips_by_streaming_with_bounded_memory()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var store = sp.GetRequiredService<MessageStore>();
        var meter = sp.GetRequiredService<StorageRequestMeter>();
        const long size = 25L * 1024 * 1024;
        var name = MessageStore.NewBlobName(DateTimeOffset.UtcNow);

        // Warm up the SDK paths so one-time allocations do not count.
        await using (var warm = store.CreateWriter(MessageStore.NewBlobName(DateTimeOffset.UtcNow)))
        {
            await warm.WriteAsync(new byte[10]);
            await warm.CommitAsync();
        }

        var chunk = new byte[64 * 1024];
        using var writeHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var requestsBefore = meter.TotalRequests;
        await using (var writer = store.CreateWriter(name))
        {
            for (long written = 0; written < size; written += chunk.Length)
            {
                Fill(chunk, written);
                writeHash.AppendData(chunk);
                await writer.WriteAsync(chunk);
            }
            Assert.False(await store.ExistsAsync(name)); // nothing visible before commit
            Assert.Equal(size, await writer.CommitAsync());
        }
        var writeAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        Assert.Equal(26, meter.TotalRequests - requestsBefore - 1); // 25 blocks of 1 MiB + one block list (+1 for the ExistsAsync probe)
        Assert.True(writeAllocated < size / 2, $"writing allocated {writeAllocated:N0} bytes for a {size:N0}-byte message");

        allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        using var readHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long read = 0;
        await using (var stream = await store.OpenReadAsync(name))
        {
            int n;
            while ((n = await stream.ReadAsync(chunk)) > 0)
            {
                readHash.AppendData(chunk, 0, n);
                read += n;
            }
        }
        var readAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        Assert.Equal(size, read);
        Assert.Equal(writeHash.GetHashAndReset(), readHash.GetHashAndReset());
        Assert.True(readAllocated < size / 2, $"reading allocated {readAllocated:N0} bytes for a {size:N0}-byte message");

        // Byte ranges come back exactly.
        await using var range = await store.OpenReadRangeAsync(name, 5 * 1024 * 1024 + 3, 10);
        var got = new byte[10];
        await range.ReadExactlyAsync(got);
        var expected = new byte[64 * 1024];
        Fill(expected, 5 * 1024 * 1024);
        Assert.Equal(expected.AsSpan(3, 10).ToArray(), got);
        Assert.Equal(size, await store.GetSizeAsync(name));
    }

    [Fact]
    public async Task A_small_message_costs_one_storage_request_and_an_uncommitted_one_leaves_nothing()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var store = sp.GetRequiredService<MessageStore>();
        var meter = sp.GetRequiredService<StorageRequestMeter>();
        var name = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
        var before = meter.TotalRequests;
        await using (var w = store.CreateWriter(name))
        {
            await w.WriteAsync(new byte[10_000]);
            await w.CommitAsync();
        }
        Assert.Equal(1, meter.TotalRequests - before);

        var abandoned = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
        await using (var w = store.CreateWriter(abandoned, bufferSize: 4096))
        {
            await w.WriteAsync(new byte[10_000]); // stages blocks, never commits
        }
        Assert.False(await store.ExistsAsync(abandoned));
    }

    [Theory]
    [InlineData(10_000, 1024 * 1024)] // one Put Blob
    [InlineData(10_000, 4096)] // staged blocks and a Put Block List
    public async Task A_commit_retried_after_it_took_effect_succeeds_but_a_different_blob_of_that_name_is_not_taken_for_it(int size, int bufferSize)
    {
        // What the SDK's retry meets when the answer to a commit that worked was lost: the blob is there.
        await using var sp = await TestStorage.CreateServicesAsync();
        var store = sp.GetRequiredService<MessageStore>();
        var name = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
        var content = new byte[size];
        Fill(content, 0);
        await using (var first = store.CreateWriter(name, bufferSize: bufferSize))
        {
            await first.WriteAsync(content);
            Assert.Equal(size, await first.CommitAsync());
        }
        await using (var retry = store.CreateWriter(name, bufferSize: bufferSize))
        {
            await retry.WriteAsync(content);
            Assert.Equal(size, await retry.CommitAsync());
        }
        await using (var other = store.CreateWriter(name, bufferSize: bufferSize))
        {
            await other.WriteAsync(new byte[size + 1]);
            var e = await Assert.ThrowsAsync<Azure.RequestFailedException>(() => other.CommitAsync());
            Assert.Equal(409, e.Status);
        }
    }

    private static void Fill(byte[] buffer, long offset)
    {
        for (var i = 0; i < buffer.Length; i++)
        {
            buffer[i] = (byte)((offset + i) * 31 % 251);
        }
    }
}
