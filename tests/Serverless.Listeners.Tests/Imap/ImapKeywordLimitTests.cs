using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>Keywords per message are capped (Mail:Imap:MaxKeywordsPerMessage, 64; MaxKeywordLength, 100): NO [LIMIT], nothing changes.</summary>
public sealed class ImapKeywordLimitTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    private static string Keywords(int from, int count) => string.Join(' ', Enumerable.Range(from, count).Select(i => "$k" + i));

    [Fact]
    public async Task Store_and_append_beyond_the_keyword_cap_are_refused_with_limit()
    {
        var (_, raw) = await host.SelectedAsync(2);
        await using var _ = raw;
        Assert.EndsWith("OK STORE completed", (await raw.CommandAsync($"STORE 1 +FLAGS.SILENT ({Keywords(0, 60)})"))[^1], StringComparison.Ordinal);
        // 60 + 5 new ones would be 65 keywords on message 1; message 2 alone would be fine, but the command is refused whole.
        Assert.StartsWith("NO [LIMIT]", Tail(await raw.CommandAsync($"STORE 1:2 +FLAGS ({Keywords(60, 5)})")), StringComparison.Ordinal);
        Assert.StartsWith("NO [LIMIT]", Tail(await raw.CommandAsync($"STORE 2 FLAGS ({Keywords(100, 65)})")), StringComparison.Ordinal);
        Assert.StartsWith("NO [LIMIT]", Tail(await raw.CommandAsync($"STORE 2 +FLAGS ($" + new string('x', 100) + ")")), StringComparison.Ordinal);
        // Adding ones it already has, or system flags, is fine at the cap.
        Assert.EndsWith("OK STORE completed", (await raw.CommandAsync($"STORE 1 +FLAGS.SILENT ({Keywords(0, 4)} \\Seen {Keywords(60, 4)})"))[^1], StringComparison.Ordinal);
        var fetch = await raw.CommandAsync("FETCH 1:2 FLAGS");
        Assert.Equal(64, fetch[0].Split(' ').Count(w => w.TrimStart('(').StartsWith("$k", StringComparison.Ordinal)));
        Assert.DoesNotContain("$k", fetch[1], StringComparison.Ordinal);
        Assert.StartsWith("NO [LIMIT]", Tail(await raw.CommandAsync($"APPEND INBOX ({Keywords(0, 65)}) {{2+}}\r\nhi")), StringComparison.Ordinal);
        Assert.EndsWith("OK STORE completed", (await raw.CommandAsync($"STORE 2 -FLAGS ({Keywords(0, 80)})"))[^1], StringComparison.Ordinal);
    }

    private static string Tail(IReadOnlyList<string> lines) => lines[^1][(lines[^1].IndexOf(' ', StringComparison.Ordinal) + 1)..];
}
