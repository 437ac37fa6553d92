using MailKit;
using MailKit.Net.Imap;
using MimeKit;
using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>COMPRESS=DEFLATE (RFC 4978): raw deflate both ways after the tagged OK, over plain TCP or TLS.</summary>
public sealed class ImapCompressTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    [Fact]
    public async Task A_transcript_compresses_after_the_ok_and_a_second_compress_is_refused()
    {
        var mailbox = await host.CreateMailboxAsync();
        await host.DeliverAsync(mailbox, ImapTestHost.Message("squeezed", string.Concat(Enumerable.Repeat("the same words again and again ", 200))));
        await using var raw = await host.RawAsync();
        Assert.Contains(" COMPRESS=DEFLATE", (await raw.CommandAsync("CAPABILITY"))[0], StringComparison.Ordinal);
        Assert.StartsWith("A002 BAD", (await raw.CommandAsync("COMPRESS DEFLATE"))[^1], StringComparison.Ordinal); // not before login
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        Assert.StartsWith("A004 BAD", (await raw.CommandAsync("COMPRESS GZIP"))[^1], StringComparison.Ordinal);
        Assert.Equal(["A005 OK DEFLATE active"], await raw.CommandAsync("COMPRESS DEFLATE"));
        raw.StartDeflate();

        // Everything from here is read through an inflater: a plaintext reply would not decode.
        Assert.Equal("A006 NO [COMPRESSIONACTIVE] Compression is already active", (await raw.CommandAsync("COMPRESS DEFLATE"))[^1]);
        var select = await raw.CommandAsync("SELECT INBOX");
        Assert.Contains("* 1 EXISTS", select);
        var fetch = await raw.CommandAsync("FETCH 1 (BODY.PEEK[TEXT])");
        Assert.Contains("the same words again and again the same words", fetch[0], StringComparison.Ordinal);
        Assert.StartsWith("A008 OK", fetch[^1], StringComparison.Ordinal);
        await raw.WriteAsync("A009 NOOP\r\nA010 NOOP\r\n"); // pipelined: both answered through the same stream
        Assert.StartsWith("A009 OK", (await raw.ReadUntilTaggedAsync("A009"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("A010 OK", (await raw.ReadUntilTaggedAsync("A010"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("* BYE", (await raw.CommandAsync("LOGOUT"))[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mailkit_compresses_over_tls_and_keeps_working()
    {
        var mailbox = await host.CreateMailboxAsync();
        using var client = await host.ConnectAsync(mailbox);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Compress));
        await client.CompressAsync();
        var body = string.Concat(Enumerable.Repeat("compressible line of text\r\n", 2000));
        var uid = await client.Inbox.AppendAsync(new MimeMessage([new MailboxAddress("A", "a@example.org")], [new MailboxAddress("B", "b@example.org")], "deflated", new TextPart("plain") { Text = body }));
        Assert.NotNull(uid);
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        var message = await client.Inbox.GetMessageAsync(uid.Value);
        Assert.Equal("deflated", message.Subject);
        Assert.Equal(body.Replace("\r\n", "\n", StringComparison.Ordinal).Trim(), message.TextBody!.Replace("\r\n", "\n", StringComparison.Ordinal).Trim());
        await client.Inbox.AddFlagsAsync(uid.Value, MessageFlags.Seen, silent: false);
        Assert.Single(await client.Inbox.SearchAsync(MailKit.Search.SearchQuery.Seen));
        await client.DisconnectAsync(quit: true);
    }
}
