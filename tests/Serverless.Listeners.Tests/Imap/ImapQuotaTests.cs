using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>RFC 2087 QUOTA over a raw transcript: the account's quota and the index's usage, read-only.</summary>
public sealed class ImapQuotaTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    [Fact]
    public async Task Quota_root_and_usage_come_from_the_account_and_setquota_is_refused()
    {
        var mailbox = await host.CreateMailboxAsync(quotaBytes: 10 * 1024 * 1024);
        await host.DeliverAsync(mailbox, ImapTestHost.Message("one", new string('x', 3000)));
        await host.DeliverAsync(mailbox, ImapTestHost.Message("two", new string('y', 3000)));
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);

        var capability = await raw.CommandAsync("CAPABILITY");
        Assert.Contains(" QUOTA", capability[0], StringComparison.Ordinal);

        var root = await raw.CommandAsync("GETQUOTAROOT Inbox");
        Assert.Equal("* QUOTAROOT \"INBOX\" \"\"", root[0]);
        var quota = root[1].Split(' ');
        Assert.Equal(["*", "QUOTA", "\"\"", "(STORAGE"], quota[..4]);
        var used = long.Parse(quota[4], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(used, 6, 8); // two messages of a little over 3,000 octets, in KiB rounded up
        Assert.Equal("10240)", quota[5]);
        Assert.EndsWith("OK GETQUOTAROOT completed", root[^1], StringComparison.Ordinal);

        Assert.Equal(root[1], (await raw.CommandAsync("GETQUOTA \"\""))[0]);
        Assert.Contains("NO [NONEXISTENT]", (await raw.CommandAsync("GETQUOTA \"other\""))[^1], StringComparison.Ordinal);
        Assert.Contains("NO [NONEXISTENT]", (await raw.CommandAsync("GETQUOTAROOT Nowhere"))[^1], StringComparison.Ordinal);
        Assert.Contains("NO [NOPERM]", (await raw.CommandAsync("SETQUOTA \"\" (STORAGE 1)"))[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_account_without_a_quota_has_no_quota_root()
    {
        var mailbox = await host.CreateMailboxAsync();
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        var root = await raw.CommandAsync("GETQUOTAROOT INBOX");
        Assert.Equal("* QUOTAROOT \"INBOX\"", root[0]);
        Assert.Equal(2, root.Count);
        Assert.Contains("NO [NONEXISTENT]", (await raw.CommandAsync("GETQUOTA \"\""))[^1], StringComparison.Ordinal);
    }
}
