using System.Text;
using Azure.Data.Tables;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Search;
using MailKit.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Listeners.Tests.Infrastructure;
using Serverless.Mail.Delivery;
using Serverless.Mail.Queues;
using Serverless.Mail.Storage;
using Serverless.Testing.Raw;
using Xunit;

namespace Serverless.Listeners.Tests.Smtp;

/// <summary>
/// Small MX mail carried in its hand-off (docs/storage.md, "Inbound mail in its hand-off"): the MX
/// writes no blob, puts the message's exact final bytes in the inbound queue message and answers
/// 250 after that put; the ingest keeps them in each recipient's index row. Through a real MX
/// listener on Azurite, read back over IMAP and POP3 byte for byte.
/// </summary>
public sealed class SmtpCarriedMessageTests
{
    private const string Text = "The first part, plain text with a searchable word: quokkafeather.\r\nAnd a second line.";

    private const string Attachment = "Binary payload, decoded by BINARY[2]: 0123456789 abcdefghij.\r\n";

    /// <summary>The message exactly as the client sends it (before dot-stuffing): multipart, a base64 part.</summary>
    private static string Message(string subject, int padding = 0)
    {
        var sb = new StringBuilder()
            .Append("From: <a@remote.example>\r\nTo: <user@example.com>\r\nSubject: ").Append(subject).Append("\r\n")
            .Append("Message-ID: <").Append(Guid.NewGuid().ToString("N")).Append("@remote.example>\r\n")
            .Append("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n")
            .Append("--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n").Append(Text).Append("\r\n")
            .Append("--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n")
            .Append(Convert.ToBase64String(Encoding.ASCII.GetBytes(Attachment))).Append("\r\n");
        var line = new string('p', 76) + "\r\n";
        for (var n = 0; n < padding; n += line.Length)
        {
            sb.Append(line);
        }
        return sb.Append("--b1--\r\n").ToString();
    }

    /// <summary>One MX transaction by hand (so the bytes are exactly ours); returns the reply to the end of data.</summary>
    private static async Task<SmtpWireReply> SendAsync(SmtpTestKit kit, string message, params string[] to)
    {
        await using var wire = await SmtpWire.ConnectAsync(kit.Host.Ports.Smtp);
        Assert.Equal(250, (await wire.CommandAsync("EHLO mx.sender.test")).Code);
        Assert.Equal(250, (await wire.CommandAsync("MAIL FROM:<a@remote.example>")).Code);
        foreach (var r in to)
        {
            Assert.Equal(250, (await wire.CommandAsync($"RCPT TO:<{r}>")).Code);
        }
        Assert.Equal(354, (await wire.CommandAsync("DATA")).Code);
        await wire.SendAsync(message + ".\r\n");
        var reply = await wire.ReadReplyAsync();
        await wire.CommandAsync("QUIT");
        return reply;
    }

    private static long Blob(IReadOnlyDictionary<(string Service, string Operation), long> counts) =>
        counts.Where(c => c.Key.Service == "blob").Sum(c => c.Value);

    /// <summary>The inbound queue's one message as it was put there (JSON text).</summary>
    private static async Task<string> QueuedJsonAsync(SmtpTestKit kit)
    {
        Assert.Single(await kit.WaitForInboundAsync(1));
        return Assert.Single((await kit.Storage.Inbound.PeekMessagesAsync(32)).Value).Body.ToString();
    }

    /// <summary>Message rows of a mailbox (every folder), with the columns that say where the bytes are.</summary>
    private static async Task<List<TableEntity>> RowsAsync(SmtpTestKit kit, string mailboxId)
    {
        var rows = new List<TableEntity>();
        await foreach (var e in kit.Storage.MailIndex.QueryAsync<TableEntity>($"PartitionKey eq '{mailboxId}' and RowKey ge 'm|' and RowKey lt 'm}}'",
            select: ["RowKey", "Blob", "Shared", "Holder", "Inline", "Size"]))
        {
            rows.Add(e);
        }
        return rows;
    }

    [Fact]
    public async Task A_small_message_writes_no_blob_rides_in_its_handoff_and_is_filed_once_into_every_recipients_row_even_when_redelivered()
    {
        await using var kit = await SmtpTestKit.StartAsync();
        var meter = kit.Host.Services.GetRequiredService<StorageRequestMeter>();
        var before = meter.Snapshot();
        // user directly, through "sales" (→ user) and through "team" (→ user, other): two mailboxes, one copy each.
        var reply = await SendAsync(kit, Message("carried"), "user@example.com", "sales@example.com", "team@example.com");
        Assert.Equal(250, reply.Code);
        var json = await QueuedJsonAsync(kit);
        Assert.Equal(0, Blob(meter.Snapshot()) - Blob(before)); // no Put Blob: the queue put was the durable step
        Assert.Equal(0, await kit.BlobCountAsync());

        // Compressed on the queue (version 3, "rawbr"), decompressed on the way in (docs/storage.md).
        Assert.Contains("\"rawbr\":", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"raw\":", json, StringComparison.Ordinal);
        var handoff = MailQueues.ParseInbound(json);
        Assert.Equal(InboundHandoff.CompressedContentVersion, handoff.Version);
        Assert.NotNull(handoff.Content);
        Assert.Null(handoff.CompressedContent);
        Assert.Equal(handoff.Content.Length, handoff.Size);
        Assert.Null(handoff.Summary!.RawHeader); // the header is the content's first bytes: not sent twice
        var stored = Encoding.ASCII.GetString(handoff.Content);
        Assert.StartsWith("Authentication-Results: mail.test;", stored, StringComparison.Ordinal);
        Assert.Contains("\r\nReceived: from mx.sender.test", stored, StringComparison.Ordinal);
        Assert.Contains("\r\nSubject: carried\r\n", stored, StringComparison.Ordinal);

        var ingest = kit.Host.Services.GetRequiredService<InboundIngest>();
        var first = await ingest.IngestAsync(json);
        Assert.Equal((2, 0), (first.Filed, first.Duplicates));
        // Redelivered (the host crashed before deleting it): nothing filed twice.
        var again = await ingest.IngestAsync(json);
        Assert.Equal((0, 2), (again.Filed, again.Duplicates));

        foreach (var mailbox in new[] { kit.User.MailboxId, kit.Other.MailboxId })
        {
            var row = Assert.Single(await RowsAsync(kit, mailbox));
            Assert.True(row.GetBoolean("Inline"));
            Assert.Equal(handoff.BlobName, row.GetString("Blob")); // the listener's name: EMAILID and cache key as before
            Assert.False(row.GetBoolean("Shared") ?? false); // a copy per row: no blob holders
            Assert.Null(row.GetString("Holder"));
            Assert.Equal(handoff.Size, row.GetInt64("Size"));
        }
        Assert.Equal(0, await kit.BlobCountAsync());
    }

    [Fact]
    public async Task A_carried_message_reads_back_byte_for_byte_over_IMAP_and_over_POP3_on_a_second_listener_with_a_cold_cache()
    {
        await using var kit = await SmtpTestKit.StartAsync(new Dictionary<string, string?> { ["Mail:Listeners:AllowPlaintextAuthOnLoopback"] = "true" });
        var message = Message("read back");
        Assert.Equal(250, (await SendAsync(kit, message, "user@example.com")).Code);
        var json = await QueuedJsonAsync(kit);
        Assert.Contains("\"rawbr\":", json, StringComparison.Ordinal); // compressed on the queue: what is read back must be the bytes before
        var content = MailQueues.ParseInbound(json).Content!;
        Assert.EndsWith(message, Encoding.ASCII.GetString(content), StringComparison.Ordinal); // the client's bytes after our headers
        Assert.Equal(1, (await kit.Host.Services.GetRequiredService<InboundIngest>().IngestAsync(json)).Filed);

        using (var imap = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 })
        {
            await imap.ConnectAsync("127.0.0.1", kit.Host.Ports.Imaps, SecureSocketOptions.SslOnConnect);
            await imap.AuthenticateAsync("user@example.com", SmtpTestKit.Password);
            await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
            Assert.Equal(content, await ReadAsync(await imap.Inbox.GetStreamAsync(0, "")));
            Assert.Equal(Encoding.ASCII.GetBytes(Text), await ReadAsync(await imap.Inbox.GetStreamAsync(0, "1")));
            Assert.Single(await imap.Inbox.SearchAsync(SearchQuery.BodyContains("quokkafeather")));
            Assert.Empty(await imap.Inbox.SearchAsync(SearchQuery.BodyContains("wombatquill")));
            var header = await imap.Inbox.GetHeadersAsync(0);
            Assert.Equal("read back", header[MimeKit.HeaderId.Subject]);
            await imap.DisconnectAsync(true);
        }
        await using (var raw = await RawImap.ConnectAsync(kit.Host.Ports.Imap))
        {
            await raw.LoginAsync("user@example.com", SmtpTestKit.Password);
            await raw.CommandAsync("EXAMINE INBOX");
            Assert.Equal($"* 1 FETCH (BINARY[2] {{{Attachment.Length}}}\r\n{Attachment})", (await raw.CommandAsync("FETCH 1 BINARY.PEEK[2]"))[0]);
        }

        // Another listener process on the same storage: nothing in its cache, the bytes come from the row.
        var configuration = kit.Host.App.Configuration;
        await using var second = await ListenerHost.StartAsync(new Dictionary<string, string?> { ["Mail:Dns:Servers"] = kit.Dns.Setting },
            prefix: configuration["Mail:Storage:Prefix"], connectionString: configuration["Mail:Storage:ConnectionString"]);
        var meter = second.Services.GetRequiredService<StorageRequestMeter>();
        using var pop3 = new Pop3Client { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await pop3.ConnectAsync("127.0.0.1", second.Ports.Pop3, SecureSocketOptions.StartTls);
        await pop3.AuthenticateAsync("user@example.com", SmtpTestKit.Password);
        var before = meter.Snapshot();
        Assert.Equal(content, await ReadAsync(await pop3.GetStreamAsync(0)));
        var after = meter.Snapshot();
        Assert.Equal(0, Blob(after) - Blob(before));
        Assert.True(after.GetValueOrDefault(("table", "GET")) > before.GetValueOrDefault(("table", "GET"))); // the row's bytes: it was cold
        await pop3.DisconnectAsync(true);
    }

    [Fact]
    public async Task With_compression_off_a_carried_message_travels_as_version_2_and_reads_back_byte_for_byte()
    {
        // What listeners send while an ingest that reads only version 2 still consumes (rolling upgrade).
        await using var kit = await SmtpTestKit.StartAsync(new Dictionary<string, string?> { ["Mail:Queues:CompressCarriedMessages"] = "false" });
        var message = Message("uncompressed");
        Assert.Equal(250, (await SendAsync(kit, message, "user@example.com")).Code);
        var json = await QueuedJsonAsync(kit);
        Assert.Contains("\"raw\":", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"rawbr\":", json, StringComparison.Ordinal);
        var handoff = MailQueues.ParseInbound(json);
        Assert.Equal(InboundHandoff.ContentVersion, handoff.Version);
        Assert.EndsWith(message, Encoding.ASCII.GetString(handoff.Content!), StringComparison.Ordinal);
        Assert.Equal(1, (await kit.Host.Services.GetRequiredService<InboundIngest>().IngestAsync(json)).Filed);
        using var imap = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 };
        await imap.ConnectAsync("127.0.0.1", kit.Host.Ports.Imaps, SecureSocketOptions.SslOnConnect);
        await imap.AuthenticateAsync("user@example.com", SmtpTestKit.Password);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(handoff.Content, await ReadAsync(await imap.Inbox.GetStreamAsync(0, "")));
        await imap.DisconnectAsync(true);
    }

    [Fact]
    public async Task A_carried_message_the_spam_score_marks_for_junk_is_filed_into_Junk()
    {
        await using var kit = await SmtpTestKit.StartAsync(new Dictionary<string, string?>
        {
            ["Mail:Spam:Dnsbl:0:Zone"] = "zen.test",
            ["Mail:Spam:Dnsbl:0:Name"] = "DNSBL_ZEN",
            ["Mail:Spam:Dnsbl:0:Weight"] = "6",
        });
        kit.Dns.AddA("1.0.0.127.zen.test", "127.0.0.2");
        Assert.Equal(250, (await SendAsync(kit, Message("listed"), "user@example.com")).Code);
        var json = await QueuedJsonAsync(kit);
        var handoff = MailQueues.ParseInbound(json);
        Assert.NotNull(handoff.Content);
        Assert.True(Assert.Single(handoff.Recipients).Junk);
        Assert.Contains("\r\nX-Spam-Status: Yes", Encoding.ASCII.GetString(handoff.Content), StringComparison.Ordinal);
        Assert.Equal(1, (await kit.Host.Services.GetRequiredService<InboundIngest>().IngestAsync(json)).Filed);

        var row = Assert.Single(await RowsAsync(kit, kit.User.MailboxId));
        Assert.StartsWith("m|000005|", row.RowKey, StringComparison.Ordinal); // Junk
        Assert.True(row.GetBoolean("Inline"));
        using var imap = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 };
        await imap.ConnectAsync("127.0.0.1", kit.Host.Ports.Imaps, SecureSocketOptions.SslOnConnect);
        await imap.AuthenticateAsync("user@example.com", SmtpTestKit.Password);
        var junk = imap.GetFolder(SpecialFolder.Junk)!;
        await junk.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(handoff.Content, await ReadAsync(await junk.GetStreamAsync(0, "")));
        await imap.DisconnectAsync(true);
    }

    [Fact]
    public async Task A_message_over_the_threshold_still_goes_to_a_blob()
    {
        await using var kit = await SmtpTestKit.StartAsync(new Dictionary<string, string?> { ["Mail:Queues:InlineHandoffBytes"] = "4096" });
        Assert.Equal(250, (await SendAsync(kit, Message("over", padding: 8 * 1024), "user@example.com")).Code);
        var json = await QueuedJsonAsync(kit);
        var handoff = MailQueues.ParseInbound(json);
        Assert.Null(handoff.Content);
        Assert.Equal(InboundHandoff.CurrentVersion, handoff.Version);
        Assert.Equal(handoff.Size, (await kit.BlobAsync(handoff.BlobName)).Length);
        Assert.Equal(1, (await kit.Host.Services.GetRequiredService<InboundIngest>().IngestAsync(json)).Filed);
        var row = Assert.Single(await RowsAsync(kit, kit.User.MailboxId));
        Assert.False(row.GetBoolean("Inline") ?? false);
        Assert.Equal(handoff.BlobName, row.GetString("Blob"));
    }

    [Fact]
    public async Task A_message_over_the_default_threshold_goes_to_a_blob_and_one_under_it_does_not()
    {
        await using var kit = await SmtpTestKit.StartAsync();
        Assert.Equal(250, (await SendAsync(kit, Message("large", padding: MailQueues.DefaultInlineHandoffBytes), "user@example.com")).Code);
        var large = Assert.Single(await kit.WaitForInboundAsync(1));
        Assert.Null(large.Content);
        Assert.True(large.Size > MailQueues.DefaultInlineHandoffBytes);
        Assert.NotNull(await kit.BlobAsync(large.BlobName));
        Assert.Equal(1, await kit.BlobCountAsync());
        await kit.Storage.Inbound.ClearMessagesAsync();

        Assert.Equal(250, (await SendAsync(kit, Message("just under", padding: MailQueues.DefaultInlineHandoffBytes - 4096), "user@example.com")).Code);
        var small = Assert.Single(await kit.WaitForInboundAsync(1));
        Assert.NotNull(small.Content);
        Assert.Equal(1, await kit.BlobCountAsync()); // still only the large one's
    }

    private static async Task<byte[]> ReadAsync(Stream stream)
    {
        await using (stream)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        }
    }
}
