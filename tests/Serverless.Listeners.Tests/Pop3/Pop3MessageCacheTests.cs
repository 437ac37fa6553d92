using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Serverless.Listeners.Caching;
using Serverless.Listeners.Tests.Smtp;
using Serverless.Mail.Delivery;
using Serverless.Mail.Messages;
using Serverless.Mail.Queues;
using Serverless.Mail.Storage;
using Xunit;

namespace Serverless.Listeners.Tests.Pop3;

/// <summary>
/// POP3 and IMAP read a message's bytes from the process's message cache when it holds them: the
/// MX puts there the exact bytes it stored (when they are the blob's final bytes), and a POP3
/// download puts there what it read. Every answer is byte for byte what storage holds.
/// </summary>
public sealed class Pop3MessageCacheTests
{
    private const string Sender = "sender@remote.example";

    private static MimeMessage Message(string subject, int bodyBytes)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(Sender));
        message.To.Add(MailboxAddress.Parse("user@example.com"));
        message.Subject = subject;
        message.MessageId = Guid.NewGuid().ToString("N") + "@remote.example";
        var line = "A line of the message body, long enough to add up quickly to what is asked.\r\n";
        message.Body = new TextPart("plain") { Text = string.Concat(Enumerable.Repeat(line, (bodyBytes / line.Length) + 1)) };
        return message;
    }

    /// <summary>Sends through the MX port (a remote server's delivery) and files it as the ingest does; returns its hand-off.</summary>
    private static async Task<InboundHandoff> ReceiveAsync(SmtpTestKit kit, MimeMessage message)
    {
        using (var smtp = new MailKit.Net.Smtp.SmtpClient())
        {
            await smtp.ConnectAsync("127.0.0.1", kit.Host.Ports.Smtp, SecureSocketOptions.None);
            await smtp.SendAsync(message);
            await smtp.DisconnectAsync(true);
        }
        var handoff = Assert.Single(await kit.WaitForInboundAsync(1));
        var filed = await kit.Host.Services.GetRequiredService<InboundIngest>().IngestAsync(handoff);
        Assert.Equal(1, filed.Filed);
        await kit.Storage.Inbound.ClearMessagesAsync();
        return handoff;
    }

    private static async Task<Pop3Client> Pop3Async(SmtpTestKit kit)
    {
        var client = new Pop3Client { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync("127.0.0.1", kit.Host.Ports.Pop3, SecureSocketOptions.StartTls);
        await client.AuthenticateAsync("user@example.com", SmtpTestKit.Password);
        return client;
    }

    /// <summary>RETR of message <paramref name="index"/> (0-based) in a new session: its bytes and the Get Blob requests it cost.</summary>
    private static async Task<(byte[] Bytes, long BlobReads)> RetrieveAsync(SmtpTestKit kit, int index = 0)
    {
        using var client = await Pop3Async(kit);
        var meter = kit.Host.Services.GetRequiredService<StorageRequestMeter>();
        var before = BlobReads(meter);
        using var copy = new MemoryStream();
        await using (var stream = await client.GetStreamAsync(index))
        {
            await stream.CopyToAsync(copy);
        }
        var reads = BlobReads(meter) - before;
        await client.DisconnectAsync(true);
        return (copy.ToArray(), reads);
    }

    private static long BlobReads(StorageRequestMeter meter) => meter.Snapshot().GetValueOrDefault(("blob", "GET"));

    [Theory]
    [InlineData(10 * 1024)] // carried in its hand-off and kept in its row: no blob at all
    [InlineData(40 * 1024)] // over Mail:Queues:InlineHandoffBytes: one Put Blob
    public async Task A_message_received_by_this_process_is_retrieved_over_POP3_and_fetched_over_IMAP_without_reading_its_blob_or_row(int size)
    {
        await using var kit = await SmtpTestKit.StartAsync();
        var handoff = await ReceiveAsync(kit, Message("fresh mail", size));
        if (handoff.Content is null)
        {
            var properties = await kit.Storage.Messages.GetBlobClient(handoff.BlobName).GetPropertiesAsync();
            Assert.Equal("1", properties.Value.Metadata[ArrivalChecks.MetadataKey]); // the single Put Blob with our Authentication-Results
        }
        Assert.Equal(size > MailQueues.DefaultInlineHandoffBytes, handoff.Content is null);
        Assert.Equal(handoff.Content is null ? 1 : 0, await kit.BlobCountAsync());
        // Kept by the MX as stored (carried or put), under the blob name either way: no blob or row read follows.
        Assert.Equal(await kit.StoredAsync(handoff), kit.Host.Services.GetRequiredService<MessageCache>().GetBytes(handoff.BlobName));

        var (retrieved, reads) = await RetrieveAsync(kit);
        Assert.Equal(0, reads);

        // IMAP FETCH BODY[] of the same message: the same bytes, from the same cache.
        var meter = kit.Host.Services.GetRequiredService<StorageRequestMeter>();
        using var imap = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 };
        await imap.ConnectAsync("127.0.0.1", kit.Host.Ports.Imaps, SecureSocketOptions.SslOnConnect);
        await imap.AuthenticateAsync("user@example.com", SmtpTestKit.Password);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var before = BlobReads(meter);
        using var fetched = new MemoryStream();
        await using (var stream = await imap.Inbox.GetStreamAsync(0, ""))
        {
            await stream.CopyToAsync(fetched);
        }
        Assert.Equal(0, BlobReads(meter) - before);
        await imap.DisconnectAsync(true);

        var stored = await kit.StoredAsync(handoff);
        Assert.Equal(stored, retrieved);
        Assert.Equal(stored, fetched.ToArray());
        Assert.StartsWith("Authentication-Results: mail.test;", Encoding.ASCII.GetString(stored), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_streamed_message_is_not_kept_by_the_MX_and_POP3_serves_the_final_blob_with_the_header_the_ingest_put_in_front()
    {
        // A cap above the streamed size, so only the MX's rule (final bytes only) keeps it out of the cache.
        await using var kit = await SmtpTestKit.StartAsync(new Dictionary<string, string?> { ["Mail:Cache:MaxMessageBytes"] = (4 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var blob = (await ReceiveAsync(kit, Message("large mail", IncomingMessage.MemoryLimit + (64 * 1024)))).BlobName;
        Assert.Null(kit.Host.Services.GetRequiredService<MessageCache>().GetBytes(blob));

        var (first, firstReads) = await RetrieveAsync(kit);
        var stored = await kit.BlobAsync(blob);
        Assert.Equal(stored, first);
        var text = Encoding.ASCII.GetString(first);
        Assert.StartsWith("Authentication-Results: mail.test;", text, StringComparison.Ordinal); // the block the ingest prepended
        Assert.Contains("Subject: large mail\r\n", text, StringComparison.Ordinal);
        Assert.Equal(1, firstReads);

        // What the first download read was kept: a second client's RETR reads no blob, same bytes.
        var (second, secondReads) = await RetrieveAsync(kit);
        Assert.Equal(0, secondReads);
        Assert.Equal(stored, second);
    }

    [Fact]
    public async Task POP3_reads_a_blob_once_for_TOP_then_RETR_and_for_a_second_download()
    {
        await using var kit = await SmtpTestKit.StartAsync(new Dictionary<string, string?> { ["Mail:Cache:KeepReceived"] = "false" });
        var blob = (await ReceiveAsync(kit, Message("read twice", 40 * 1024))).BlobName; // over Mail:Queues:InlineHandoffBytes: a blob
        var cache = kit.Host.Services.GetRequiredService<MessageCache>();
        Assert.Null(cache.GetBytes(blob)); // switched off: the MX kept nothing

        var meter = kit.Host.Services.GetRequiredService<StorageRequestMeter>();
        using (var client = await Pop3Async(kit))
        {
            var before = BlobReads(meter);
            var headers = await client.GetMessageHeadersAsync(0); // TOP 1 0
            Assert.Equal("read twice", headers[HeaderId.Subject]);
            Assert.Equal(1, BlobReads(meter) - before);
            using var copy = new MemoryStream();
            await using (var stream = await client.GetStreamAsync(0)) // RETR 1
            {
                await stream.CopyToAsync(copy);
            }
            Assert.Equal(1, BlobReads(meter) - before);
            Assert.Equal(await kit.BlobAsync(blob), copy.ToArray());
            await client.DisconnectAsync(true);
        }
        var (again, reads) = await RetrieveAsync(kit);
        Assert.Equal(0, reads);
        Assert.Equal(await kit.BlobAsync(blob), again);
    }

    [Fact]
    public async Task An_MX_that_serves_no_mailboxes_keeps_nothing()
    {
        await using var kit = await SmtpTestKit.StartAsync(new Dictionary<string, string?>
        {
            ["Mail:Listeners:Ports:Imap"] = "0",
            ["Mail:Listeners:Ports:Imaps"] = "0",
            ["Mail:Listeners:Ports:Pop3"] = "0",
            ["Mail:Listeners:Ports:Pop3s"] = "0",
        });
        var blob = (await ReceiveAsync(kit, Message("to a mailbox served elsewhere", 10 * 1024))).BlobName;
        var cache = kit.Host.Services.GetRequiredService<MessageCache>();
        Assert.Null(cache.GetBytes(blob));
        Assert.Equal(0, cache.Count);
    }
}
