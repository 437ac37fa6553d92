using System.Globalization;
using System.Text.RegularExpressions;
using Serverless.Listeners.Tests.Infrastructure;
using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>
/// Sessions of one listener that store flags and expunge in one folder at the same time: their
/// writes go through the mailbox's group commit (<c>ChangeWriter</c>), where whatever waits shares
/// a transaction. Each session must get exactly its own answer — OK, its own flags, a MODSEQ no
/// other change has — and the other listener must see the same flags under the same MODSEQs.
/// (Whether two writes did share a transaction depends on timing, so it is not asserted here; the
/// index's GroupCommitTests drive that, and a failing member failing alone, deterministically.)
/// </summary>
public sealed partial class ImapConcurrentWriteTests(TwoListeners hosts) : IClassFixture<TwoListeners>
{
    private const int Sessions = 6;

    [Fact]
    public async Task Concurrent_stores_and_expunges_each_get_their_own_answer_and_the_other_listener_agrees()
    {
        var mailbox = await hosts.CreateMailboxAsync((2 * Sessions) + 1);
        var sessions = new List<RawImap>();
        try
        {
            for (var k = 0; k < Sessions; k++)
            {
                sessions.Add(await TwoListeners.SelectAsync(hosts.A, mailbox, "SELECT INBOX (CONDSTORE)"));
            }

            // Each session flags a message of its own and adds its own keyword to the last message.
            var last = (2 * Sessions) + 1;
            var replies = await Task.WhenAll(sessions.Select(async (s, k) =>
            {
                var own = await s.CommandAsync($"UID STORE {k + 1} +FLAGS ($own{k})");
                var shared = await s.CommandAsync($"UID STORE {last} +FLAGS ($shared{k})");
                return (Own: own, Shared: shared, Tag: s.LastTag);
            }));
            var modSeqs = new List<long>();
            for (var k = 0; k < Sessions; k++)
            {
                var (own, shared, tag) = replies[k];
                Assert.EndsWith("OK UID STORE completed", own[^1], StringComparison.Ordinal);
                Assert.Equal($"{tag} OK UID STORE completed", shared[^1]);
                var ownFetch = Assert.Single(own, l => l.Contains($"UID {k + 1} ", StringComparison.Ordinal) || l.EndsWith($"UID {k + 1})", StringComparison.Ordinal));
                Assert.Contains($"$own{k}", ownFetch, StringComparison.Ordinal);
                modSeqs.Add(ModSeqOf(ownFetch));
                // Its own change is the first to show its keyword (a later one by another session may be reported too).
                modSeqs.Add(shared.Where(l => l.StartsWith($"* {last} FETCH", StringComparison.Ordinal) && l.Contains($"$shared{k}", StringComparison.Ordinal)).Min(ModSeqOf));
            }
            Assert.Equal(2 * Sessions, modSeqs.Distinct().Count()); // every change its own MODSEQ

            // Each session deletes and expunges one more message of its own, all at once.
            var expunges = await Task.WhenAll(sessions.Select(async (s, k) =>
            {
                var stored = await s.CommandAsync($"UID STORE {Sessions + k + 1} +FLAGS.SILENT (\\Deleted)");
                var expunged = await s.CommandAsync($"UID EXPUNGE {Sessions + k + 1}");
                return (Stored: stored[^1], Expunged: expunged[^1], Tag: s.LastTag);
            }));
            foreach (var (stored, expunged, tag) in expunges)
            {
                Assert.EndsWith("OK UID STORE completed", stored, StringComparison.Ordinal);
                Assert.Equal($"{tag} OK UID EXPUNGE completed", expunged);
            }

            // The other listener sees the same messages, flags and MODSEQs, and so does every session.
            await using var there = await TwoListeners.SelectAsync(hosts.B, mailbox, "SELECT INBOX (CONDSTORE)");
            var seen = Fetched(await there.CommandAsync("UID FETCH 1:* (FLAGS MODSEQ)"));
            Assert.Equal([.. Enumerable.Range(1, Sessions).Select(u => (long)u), last], seen.Keys.Order());
            for (var k = 0; k < Sessions; k++)
            {
                Assert.Equal($"$own{k}", seen[k + 1].Flags);
                Assert.Equal(modSeqs[2 * k], seen[k + 1].ModSeq);
            }
            Assert.Equal(string.Join(' ', Enumerable.Range(0, Sessions).Select(k => $"$shared{k}").Order(StringComparer.Ordinal)), seen[last].Flags);
            Assert.Equal(Enumerable.Range(0, Sessions).Max(k => modSeqs[(2 * k) + 1]), seen[last].ModSeq);
            var highest = (await there.CommandAsync("STATUS INBOX (HIGHESTMODSEQ MESSAGES)"))[0];
            foreach (var s in sessions)
            {
                await s.CommandAsync("NOOP");
                Assert.Equal(seen, Fetched(await s.CommandAsync("UID FETCH 1:* (FLAGS MODSEQ)")));
                Assert.Equal(highest, (await s.CommandAsync("STATUS INBOX (HIGHESTMODSEQ MESSAGES)"))[0]);
            }
        }
        finally
        {
            foreach (var s in sessions)
            {
                await s.DisposeAsync();
            }
        }
    }

    private static long ModSeqOf(string fetch) => long.Parse(ModSeq().Match(fetch).Groups[1].Value, CultureInfo.InvariantCulture);

    /// <summary>UID → (flags other than \Recent, sorted; MODSEQ) from untagged FETCH lines.</summary>
    private static Dictionary<long, (string Flags, long ModSeq)> Fetched(List<string> lines) =>
        lines.Where(l => l.StartsWith("* ", StringComparison.Ordinal) && l.Contains(" FETCH ", StringComparison.Ordinal))
            .ToDictionary(
                l => long.Parse(Uid().Match(l).Groups[1].Value, CultureInfo.InvariantCulture),
                l => (string.Join(' ', Flags().Match(l).Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                    .Where(f => f != "\\Recent").Order(StringComparer.Ordinal)), ModSeqOf(l)));

    [GeneratedRegex(@"MODSEQ \((\d+)\)")]
    private static partial Regex ModSeq();

    [GeneratedRegex(@"UID (\d+)")]
    private static partial Regex Uid();

    [GeneratedRegex(@"FLAGS \(([^)]*)\)")]
    private static partial Regex Flags();
}
