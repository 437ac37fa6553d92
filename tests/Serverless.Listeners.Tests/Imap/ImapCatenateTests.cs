using MailKit.Net.Imap;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Index;
using Serverless.Mail.Storage;
using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>
/// CATENATE (RFC 4469): APPEND of a message put together from text literals and IMAP URLs of the
/// user's messages (RFC 5092), with MULTIAPPEND, and refused whole — nothing added, nothing
/// left in storage — for a bad URL, a size over the limit or the quota.
/// </summary>
public sealed class ImapCatenateTests(ImapCatenateTests.SmallLimitHost host) : IClassFixture<ImapCatenateTests.SmallLimitHost>
{
    private const string First = "From: foo@example.com\r\nSubject: one\r\n\r\nHello world body\r\n";

    /// <summary>The shared listener setup with a 4 KiB APPEND limit, so TOOBIG is within reach.</summary>
    public sealed class SmallLimitHost : ImapTestHost
    {
        public const int Limit = 4096;

        protected override void Configure(IDictionary<string, string?> settings) => settings["Mail:Imap:MaxAppendSize"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Text_literals_and_urls_of_a_message_its_header_and_a_partial_make_one_message()
    {
        var mailbox = await host.CreateMailboxAsync();
        var first = await host.DeliverAsync(mailbox, First);
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        Assert.Contains(" CATENATE ", (await raw.CommandAsync("CAPABILITY"))[0] + " ", StringComparison.Ordinal);
        using (var client = await host.ConnectAsync(mailbox))
        {
            Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Catenate)); // MailKit reads it (it has no command that uses it)
        }

        const string body = "\r\nbody1\r\n";
        await raw.WriteAsync($"A100 APPEND Drafts (\\Seen) CATENATE (URL \"/INBOX;UIDVALIDITY={first.UidValidity}/;UID={first.Uid}/;SECTION=HEADER.FIELDS%20(FROM)\" TEXT {{{body.Length}+}}\r\n{body})\r\n");
        Assert.Matches(@"^A100 OK \[APPENDUID \d+ 1\] APPEND completed$", (await raw.ReadUntilTaggedAsync("A100"))[^1]);
        // Synchronising literals: each "+" comes after the checks; a URL part in the middle; a PARTIAL past the end is empty.
        await raw.WriteAsync("A101 APPEND Drafts CATENATE (TEXT {14}\r\n");
        Assert.StartsWith("+", await raw.ReadLineAsync(), StringComparison.Ordinal);
        await raw.WriteAsync("Subject: x\r\n\r\n URL \"/INBOX/;uid=1/;section=1\" URL \"/INBOX/;uid=1/;partial=100000.1\" TEXT {7}\r\n");
        Assert.StartsWith("+", await raw.ReadLineAsync(), StringComparison.Ordinal);
        await raw.WriteAsync("suffix\n)\r\n");
        Assert.Matches(@"^A101 OK \[APPENDUID \d+ 2\] APPEND completed$", (await raw.ReadUntilTaggedAsync("A101"))[^1]);

        await raw.CommandAsync("SELECT Drafts");
        Assert.Equal("* 1 FETCH (FLAGS (\\Seen \\Recent) BODY[] {34}\r\nFrom: foo@example.com\r\n\r\n\r\nbody1\r\n)", (await raw.CommandAsync("FETCH 1 (FLAGS BODY.PEEK[])"))[0]);
        Assert.Equal("* 2 FETCH (BODY[] {39}\r\nSubject: x\r\n\r\nHello world body\r\nsuffix\n)", (await raw.CommandAsync("FETCH 2 BODY.PEEK[]"))[0]);
        // Stored like any APPEND: summarised, so the envelope comes from the index.
        Assert.Contains("\"x\"", (await raw.CommandAsync("FETCH 2 ENVELOPE"))[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Catenate_with_multiappend_adds_every_message_or_none_and_a_bad_url_is_badurl()
    {
        var mailbox = await host.CreateMailboxAsync();
        var first = await host.DeliverAsync(mailbox, First);
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await raw.WriteAsync("A100 APPEND INBOX CATENATE (URL \"/INBOX/;uid=1\") (\\Answered) {11+}\r\nNew: M\r\n\r\nb CATENATE (URL \"/INBOX/;uid=1/;section=HEADER\" TEXT {4+}\r\nb3\r\n)\r\n");
        Assert.Matches(@"^A100 OK \[APPENDUID \d+ 2,3,4\] APPEND completed$", (await raw.ReadUntilTaggedAsync("A100"))[^1]);

        var before = await host.Index.GetUsageAsync(mailbox.MailboxId);
        var blobs = await CountBlobsAsync();
        foreach (var bad in new[]
        {
            $"/INBOX;UIDVALIDITY={first.UidValidity + 1}/;UID=1",   // another UIDVALIDITY
            "/INBOX/;UID=99",                                         // no such message
            "/INBOX/;UID=1/;SECTION=7",                              // no such part
            "/Nowhere/;UID=1",                                        // no such folder
            $"imap://someone%40{host.Domain}@{host.Domain}/INBOX/;UID=1", // another user's mail without URLAUTH
            "imap://host/INBOX/;UID=1;URLAUTH=authuser:internal:0123456789abcdef0123456789abcdef", // a made-up verifier
            "not a url",
        })
        {
            await raw.WriteAsync($"A200 APPEND INBOX CATENATE (TEXT {{4+}}\r\nab\r\n) CATENATE (TEXT {{4+}}\r\nhd\r\n URL \"{bad}\" TEXT {{4+}}\r\ncd\r\n)\r\n");
            Assert.Equal($"A200 NO [BADURL {bad}] The URL does not name a message or part you may read", (await raw.ReadUntilTaggedAsync("A200"))[^1]);
        }
        Assert.Equal("* STATUS \"INBOX\" (MESSAGES 4)", (await raw.CommandAsync("STATUS INBOX (MESSAGES)"))[0]);
        Assert.Equal(before!.Bytes, (await host.Index.GetUsageAsync(mailbox.MailboxId))!.Bytes);
        Assert.Equal(blobs, await CountBlobsAsync()); // the first message was stored, then deleted with the refusal

        await raw.WriteAsync("A300 APPEND Nowhere CATENATE (URL \"/INBOX/;uid=1\")\r\n");
        Assert.StartsWith("A300 NO [TRYCREATE]", (await raw.ReadUntilTaggedAsync("A300"))[^1], StringComparison.Ordinal);
        await raw.WriteAsync("A301 APPEND Nowhere CATENATE (TEXT {5}\r\n");
        Assert.StartsWith("A301 NO [TRYCREATE]", await raw.ReadLineAsync(), StringComparison.Ordinal); // before "+"
    }

    [Fact]
    public async Task A_message_put_together_past_the_limit_or_the_quota_is_refused_before_anything_is_written()
    {
        var mailbox = await host.CreateMailboxAsync(quotaBytes: 3 * SmallLimitHost.Limit);
        var big = await host.DeliverAsync(mailbox, "Subject: big\r\n\r\n" + new string('x', SmallLimitHost.Limit - 100) + "\r\n");
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await raw.WriteAsync($"A100 APPEND INBOX CATENATE (URL \"/INBOX/;UID={big.Uid}\" URL \"/INBOX/;UID={big.Uid}/;SECTION=TEXT\")\r\n");
        Assert.StartsWith("A100 NO [TOOBIG]", (await raw.ReadUntilTaggedAsync("A100"))[^1], StringComparison.Ordinal);
        // A text part alone past the limit: refused before its "+".
        await raw.WriteAsync($"A101 APPEND INBOX CATENATE (TEXT {{{SmallLimitHost.Limit + 1}}}\r\n");
        Assert.StartsWith("A101 NO [TOOBIG]", await raw.ReadLineAsync(), StringComparison.Ordinal);

        // Within the limit, over the quota (3 × 4 KiB; ~4 KiB stored): the third copy fits, the fourth does not.
        var blobs = await CountBlobsAsync();
        await raw.WriteAsync($"A200 APPEND INBOX CATENATE (URL \"/INBOX/;UID={big.Uid}\")\r\n");
        Assert.StartsWith("A200 OK", (await raw.ReadUntilTaggedAsync("A200"))[^1], StringComparison.Ordinal);
        await raw.WriteAsync($"A300 APPEND INBOX CATENATE (URL \"/INBOX/;UID={big.Uid}\" TEXT {{2+}}\r\nzz)\r\n");
        var reply = (await raw.ReadUntilTaggedAsync("A300"))[^1];
        await raw.WriteAsync($"A301 APPEND INBOX CATENATE (URL \"/INBOX/;UID={big.Uid}\" TEXT {{2+}}\r\nzz)\r\n");
        Assert.Equal("A301 NO [OVERQUOTA] Quota exceeded", (await raw.ReadUntilTaggedAsync("A301"))[^1]);
        Assert.StartsWith("A300 OK", reply, StringComparison.Ordinal);
        var usage = await host.Index.GetUsageAsync(mailbox.MailboxId);
        Assert.Equal(3, usage!.Messages);
        // The two accepted (~4 KiB each) are kept in their index rows, not in blobs; the refused one left nothing.
        Assert.Equal(blobs, await CountBlobsAsync());
        var rows = await host.Index.ListMessagesAsync(mailbox.MailboxId, SpecialUse.InboxId, includeSummary: false).ToListAsync();
        Assert.Equal([false, true, true], rows.Select(m => m.Inline));
    }

    private async Task<int> CountBlobsAsync()
    {
        var count = 0;
        await foreach (var _ in host.Host.Services.GetRequiredService<MailStorage>().Messages.GetBlobsAsync())
        {
            count++;
        }
        return count;
    }
}
