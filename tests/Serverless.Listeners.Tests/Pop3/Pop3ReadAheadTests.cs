using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Listeners.Pop3;
using Serverless.Mail.Storage;
using Xunit;

namespace Serverless.Listeners.Tests.Pop3;

/// <summary>
/// Read-ahead for serial clients (one command in flight): after RETR n the next messages are
/// fetched into memory, bounded per session and per process, without changing any answer.
/// </summary>
public sealed class Pop3ReadAheadTests
{
    [Fact]
    public async Task Serial_RETRs_after_the_first_are_served_from_messages_fetched_ahead()
    {
        await using var bed = await Pop3TestBed.StartAsync(settings: new Dictionary<string, string?> { ["Mail:Pop3:SerialReadAhead"] = "3" });
        var raws = new List<string>();
        for (var i = 1; i <= 6; i++)
        {
            raws.Add(Pop3TestBed.Message($"serial {i}", string.Concat(Enumerable.Repeat($"line of message {i}\r\n", 200))));
            await bed.DeliverAsync(raws[^1]);
        }
        var blobs = (await bed.InboxAsync()).OrderBy(m => m.Uid).Select(m => m.BlobName).ToList();
        var meter = bed.Host.Services.GetRequiredService<StorageRequestMeter>();
        await using var pop = await bed.RawAsync();
        await pop.LoginAsync(Pop3TestBed.Address, Pop3TestBed.Password);
        var before = BlobReads(meter);

        Assert.StartsWith("+OK", await pop.CommandAsync("RETR 1"), StringComparison.Ordinal);
        Assert.Equal(raws[0], Unstuff(await pop.MultiLineAsync()));
        // Nobody asked for 2..4 yet, and they are being read: the client's next RETRs find them in memory.
        await Pop3TestBed.UntilAsync(() => Task.FromResult(BlobReads(meter) == before + 4), "messages 2-4 are fetched ahead");
        await bed.Messages.DeleteAsync(blobs[1]); // storage can no longer serve message 2: only memory can

        for (var n = 2; n <= 6; n++)
        {
            Assert.StartsWith("+OK", await pop.CommandAsync($"RETR {n}"), StringComparison.Ordinal);
            Assert.Equal(raws[n - 1], Unstuff(await pop.MultiLineAsync()));
        }
        Assert.StartsWith("+OK", await pop.CommandAsync("QUIT"), StringComparison.Ordinal);
        Assert.Equal(before + 6, BlobReads(meter)); // each message read from storage once, none twice
    }

    [Fact]
    public async Task MailKit_downloading_one_message_at_a_time_reads_each_blob_once_and_gets_every_message()
    {
        await using var bed = await Pop3TestBed.StartAsync();
        var subjects = Enumerable.Range(1, 20).Select(i => $"one at a time {i}").ToList();
        foreach (var s in subjects)
        {
            await bed.DeliverAsync(Pop3TestBed.Message(s, string.Concat(Enumerable.Repeat($"{s}\r\n.{s}\r\n", 300))));
        }
        var meter = bed.Host.Services.GetRequiredService<StorageRequestMeter>();
        using var client = await bed.MailKitAsync();
        var before = BlobReads(meter);
        var got = new List<string>();
        for (var i = 0; i < subjects.Count; i++)
        {
            got.Add((await client.GetMessageAsync(i)).Subject ?? "");
        }
        Assert.Equal(subjects, got);
        Assert.Equal(before + subjects.Count, BlobReads(meter));
        await client.DisconnectAsync(true);
        var budget = bed.Host.Services.GetRequiredService<Pop3ReadAheadBudget>();
        await Pop3TestBed.UntilAsync(() => Task.FromResult(budget.Reserved == 0), "the read-ahead is released at QUIT");
    }

    [Fact]
    public async Task Answers_stay_the_same_for_deleted_vanished_and_TOP_messages_fetched_ahead()
    {
        await using var bed = await Pop3TestBed.StartAsync(settings: new Dictionary<string, string?> { ["Mail:Pop3:SerialReadAhead"] = "4" });
        var raws = new List<string>();
        for (var i = 1; i <= 5; i++)
        {
            raws.Add(Pop3TestBed.Message($"m{i}", "first\r\nsecond\r\n"));
            await bed.DeliverAsync(raws[^1]);
        }
        var blobs = (await bed.InboxAsync()).OrderBy(m => m.Uid).Select(m => m.BlobName).ToList();
        await bed.Messages.DeleteAsync(blobs[2]); // message 3 expunged elsewhere: fetching it ahead fails
        var meter = bed.Host.Services.GetRequiredService<StorageRequestMeter>();
        var budget = bed.Host.Services.GetRequiredService<Pop3ReadAheadBudget>();
        await using var pop = await bed.RawAsync();
        await pop.LoginAsync(Pop3TestBed.Address, Pop3TestBed.Password);
        var before = BlobReads(meter);

        Assert.StartsWith("+OK", await pop.CommandAsync("RETR 1"), StringComparison.Ordinal);
        await pop.MultiLineAsync();
        await Pop3TestBed.UntilAsync(() => Task.FromResult(BlobReads(meter) == before + 5), "messages 2-5 are fetched ahead");

        Assert.StartsWith("+OK", await pop.CommandAsync("DELE 2"), StringComparison.Ordinal);
        Assert.Equal("-ERR Message 2 is already deleted", await pop.CommandAsync("RETR 2"));
        // The failed fetch is done again in the foreground and answered as without read-ahead.
        Assert.Equal("-ERR Message 3 was removed by another session", await pop.CommandAsync("RETR 3"));
        Assert.Equal(before + 6, BlobReads(meter));
        var raw4 = raws[3];
        Assert.StartsWith("+OK", await pop.CommandAsync("TOP 4 1"), StringComparison.Ordinal);
        Assert.Equal(raw4[..(raw4.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)] + "first\r\n", Unstuff(await pop.MultiLineAsync()));
        Assert.StartsWith("+OK", await pop.CommandAsync("RETR 5"), StringComparison.Ordinal);
        Assert.Equal(raws[4], Unstuff(await pop.MultiLineAsync()));
        Assert.Equal("-ERR No message 6", await pop.CommandAsync("RETR 6"));
        Assert.StartsWith("+OK", await pop.CommandAsync("QUIT"), StringComparison.Ordinal);
        await Pop3TestBed.UntilAsync(() => Task.FromResult(budget.Reserved == 0), "the read-ahead is released at QUIT");
    }

    [Fact]
    public async Task Bytes_fetched_ahead_stay_within_the_session_and_process_bounds_and_a_dropped_client_releases_them()
    {
        var body = string.Concat(Enumerable.Repeat("0123456789 ten kilobytes of message body, more or less.\r\n", 180));
        await using var bed = await Pop3TestBed.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Mail:Pop3:SerialReadAhead"] = "8",
            ["Mail:Pop3:SerialReadAheadBytes"] = "25000", // two messages of ~10.5 KB
            ["Mail:Pop3:ReadAheadMaxBytes"] = "35000",    // three, for two sessions together
        });
        var size = Encoding.UTF8.GetByteCount(Pop3TestBed.Message("m 01", body));
        for (var i = 1; i <= 10; i++)
        {
            await bed.DeliverAsync(Pop3TestBed.Message($"m {i:D2}", body));
        }
        var other = await bed.AddMailboxAsync("other@pop.test");
        for (var i = 1; i <= 3; i++)
        {
            await bed.DeliverToAsync(other.MailboxId, Pop3TestBed.Message($"o {i:D2}", body));
        }
        var budget = bed.Host.Services.GetRequiredService<Pop3ReadAheadBudget>();
        await using var first = await bed.RawAsync();
        await first.LoginAsync(Pop3TestBed.Address, Pop3TestBed.Password);
        Assert.StartsWith("+OK", await first.CommandAsync("RETR 1"), StringComparison.Ordinal);
        await first.MultiLineAsync();
        await Pop3TestBed.UntilAsync(() => Task.FromResult(budget.Reserved == 2L * size), "the first session holds two messages ahead, no more");
        Assert.StartsWith("+OK", await first.CommandAsync("RETR 4"), StringComparison.Ordinal);
        await first.MultiLineAsync();
        await Pop3TestBed.UntilAsync(() => Task.FromResult(budget.Reserved == 2L * size), "the window moved on: 5 and 6 ahead, 2 and 3 dropped");

        await using var second = await bed.RawAsync();
        await second.LoginAsync("other@pop.test", Pop3TestBed.Password);
        Assert.StartsWith("+OK", await second.CommandAsync("RETR 1"), StringComparison.Ordinal);
        Assert.Contains("o 01", Encoding.UTF8.GetString(await second.MultiLineAsync()), StringComparison.Ordinal);
        // The process bound leaves room for one more message only; the second one waits for storage.
        await Pop3TestBed.UntilAsync(() => Task.FromResult(budget.Reserved == 3L * size), "the second session gets what the process bound leaves");
        Assert.StartsWith("+OK", await second.CommandAsync("RETR 3"), StringComparison.Ordinal);
        Assert.Contains("o 03", Encoding.UTF8.GetString(await second.MultiLineAsync()), StringComparison.Ordinal);
        Assert.True(budget.Peak <= 35000, $"peak {budget.Peak} above the process bound");

        first.Abort();
        await Pop3TestBed.UntilAsync(() => Task.FromResult(budget.Reserved == 0), "a dropped connection and a finished window release everything");
        Assert.StartsWith("+OK", await second.CommandAsync("QUIT"), StringComparison.Ordinal);
    }

    private static long BlobReads(StorageRequestMeter meter) => meter.Snapshot().GetValueOrDefault(("blob", "GET"));

    private static string Unstuff(byte[] sent) =>
        string.Join("\r\n", Encoding.UTF8.GetString(sent).Split("\r\n").Select(l => l.StartsWith('.') ? l[1..] : l));
}
