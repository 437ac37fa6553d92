using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Serverless.Bench.Clients;

/// <summary>
/// One client of the imaptest-like mixed workload: commands back to back until the deadline, each
/// command one operation. Mix per step: 5 % reconnect (LOGIN + SELECT + UID SEARCH ALL), 25 %
/// FETCH headers of 10 messages (ENVELOPE, FLAGS, size, a few header fields), 20 % FETCH a whole
/// message, 20 % STORE a flag, 10 % SEARCH (UNSEEN or a SUBJECT word), 20 % expunge one message
/// (STORE \Deleted + UID EXPUNGE, then APPEND a new one so the folder keeps its size).
/// When other clients share the mailbox a message may vanish under a command: a NO counts as an
/// operation too (it is a full round trip) and is tallied apart as "… (NO)".
/// </summary>
internal static partial class ImapMix
{
    public static async Task RunClientAsync(Func<Task<ImapConnection>> connect, string user, string password, int seed, byte[] appendBody,
        Stopwatch clock, TimeSpan deadline, ConcurrentDictionary<string, ConcurrentBag<double>> stats)
    {
        var random = new Random(seed);
        ImapConnection? c = null;
        List<long> uids = [];

        async Task<T> Timed<T>(string op, Func<Task<T>> action)
        {
            var t = clock.Elapsed.TotalMilliseconds;
            var result = await action();
            stats.GetOrAdd(result is false ? op + " (NO)" : op, _ => []).Add(clock.Elapsed.TotalMilliseconds - t);
            return result;
        }

        async Task ConnectAsync()
        {
            if (c is not null)
            {
                await c.LogoutAsync();
                await c.DisposeAsync();
            }
            c = await connect();
            await Timed("login", async () => { await c.LoginAsync(user, password); return 0; });
            await Timed("select", () => c.SelectAsync("INBOX"));
            var all = await Timed("search", () => c.RunAsync("UID SEARCH ALL"));
            uids = Uids(all);
        }

        await ConnectAsync();
        while (clock.Elapsed < deadline)
        {
            var roll = random.Next(100);
            var uid = uids.Count == 0 ? 1 : uids[random.Next(uids.Count)];
            if (roll < 5)
            {
                await ConnectAsync();
            }
            else if (roll < 30)
            {
                var at = uids.Count == 0 ? 0 : random.Next(Math.Max(1, uids.Count - 10));
                var range = uids.Count == 0 ? "1" : $"{uids[at]}:{uids[Math.Min(uids.Count - 1, at + 9)]}";
                await Timed("fetch headers", () => c!.TryRunAsync($"UID FETCH {range} (UID FLAGS RFC822.SIZE ENVELOPE BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE)])"));
            }
            else if (roll < 50)
            {
                await Timed("fetch body", () => c!.TryRunAsync($"UID FETCH {uid} (BODY.PEEK[])"));
            }
            else if (roll < 70)
            {
                var sign = random.Next(2) == 0 ? "+" : "-";
                await Timed("store", () => c!.TryRunAsync($"UID STORE {uid} {sign}FLAGS.SILENT (\\Seen)"));
            }
            else if (roll < 80)
            {
                var query = random.Next(2) == 0 ? "UNSEEN" : $"SUBJECT topic{random.Next(7)}";
                await Timed("search", () => c!.TryRunAsync("UID SEARCH " + query));
            }
            else if (uids.Count > 0)
            {
                await Timed("store", () => c!.TryRunAsync($"UID STORE {uid} +FLAGS.SILENT (\\Deleted)"));
                await Timed("expunge", () => c!.TryRunAsync($"UID EXPUNGE {uid}"));
                uids.Remove(uid);
                await Timed("append", () => c!.RunWithLiteralAsync("APPEND INBOX", appendBody));
                var m = AppendUid().Match(c!.LastTagged);
                if (m.Success)
                {
                    uids.Add(long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
                }
            }
        }
        await c!.LogoutAsync();
        await c.DisposeAsync();
    }

    private static List<long> Uids(List<ImapLine> lines) =>
        [.. lines.Where(l => l.Text.StartsWith("* SEARCH", StringComparison.Ordinal))
            .SelectMany(l => l.Text[8..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(s => long.Parse(s, CultureInfo.InvariantCulture))];

    [GeneratedRegex(@"APPENDUID \d+ (\d+)")]
    private static partial Regex AppendUid();
}
