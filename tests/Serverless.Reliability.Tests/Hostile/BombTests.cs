using System.Diagnostics;
using System.Text;
using Serverless.Mail.Index;
using Serverless.Reliability.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Serverless.Reliability.Tests.Hostile;

/// <summary>
/// Bombs — an endless line, a literal announced at 2 GB, a header block of a hundred thousand
/// fields, MIME nested two hundred deep — are answered with errors (or, where the input is a legal
/// if silly message, taken and filed) while the listener's memory stays bounded and it goes on
/// serving others. Memory is the managed heap growth of this process (listeners and functions run
/// in it) measured after the bomb, with a generous bound far below the bomb's size.
/// </summary>
public sealed class BombTests(ITestOutputHelper output) : IAsyncLifetime
{
    private MailStack _stack = null!;

    public async Task InitializeAsync() => _stack = await MailStack.StartAsync(new Dictionary<string, string?> { ["Mail:Smtp:MaxMessageSize"] = "8388608" });

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    private static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private async Task StillServesAsync()
    {
        await using var sender = await SmtpSender.ConnectAsync(_stack.SmtpPort);
        Assert.Equal(250, (await sender.SendAsync("a@client.reliability.test", ["carol@acme.test"], SmtpSender.Message(Guid.NewGuid() + "@x", "after a bomb", "carol@acme.test")))?.Code);
    }

    [Fact]
    public async Task An_endless_smtp_command_line_is_refused_and_the_connection_closed_without_buffering_it()
    {
        var before = Heap();
        await using var wire = await Wire.ConnectAsync(_stack.SmtpPort);
        await wire.SmtpReplyAsync();
        var chunk = Encoding.ASCII.GetBytes("EHLO " + new string('a', 64 * 1024));
        var sent = 0L;
        try
        {
            for (var i = 0; i < 1024; i++) // up to 64 MiB, no line end
            {
                await wire.SendAsync(chunk);
                sent += chunk.Length;
            }
        }
        catch (IOException)
        {
            // the server closed the connection while we were still sending
        }
        var reply = await wire.SmtpReplyAsync();
        Assert.True(reply is null || reply.Code == 500, $"after {sent} bytes: {reply}");
        var growth = Heap() - before;
        output.WriteLine($"FIGURES bomb smtp-line: closed after {sent:N0} bytes sent, heap growth {growth / 1024:N0} KiB");
        Assert.True(growth < 16 * 1024 * 1024, $"heap grew {growth:N0} bytes");
        await StillServesAsync();
    }

    [Fact]
    public async Task Imap_literals_announced_at_2_GB_are_refused_before_anything_is_allocated()
    {
        var before = Heap();
        await using var wire = await Wire.ConnectAsync(_stack.ImapPort);
        await wire.ReadLineAsync();
        // A synchronising literal: refused at once, no "+" continuation, the session goes on.
        var clock = Stopwatch.StartNew();
        await wire.LineAsync("a1 LOGIN {2147483648}");
        var refused = (await wire.ImapUntilTaggedAsync("a1"))[^1];
        Assert.Matches("^a1 (NO|BAD)", refused);
        Assert.DoesNotContain(" OK", refused, StringComparison.Ordinal);
        await wire.LineAsync($"a2 LOGIN alice@acme.test \"{MailStack.Password}\"");
        Assert.StartsWith("a2 OK", (await wire.ImapUntilTaggedAsync("a2"))[^1], StringComparison.Ordinal);
        // APPEND of a 2 GB message: over the size limit, refused before any byte (TOOBIG).
        await wire.LineAsync("a3 APPEND INBOX {2147483648}");
        var append = (await wire.ImapUntilTaggedAsync("a3"))[^1];
        Assert.Matches("^a3 NO", append);
        // Larger than any number: a syntax error, not an overflow.
        await wire.LineAsync("a4 APPEND INBOX {99999999999999999999}");
        Assert.Matches("^a4 (NO|BAD)", (await wire.ImapUntilTaggedAsync("a4"))[^1]);
        // LITERAL+ at 2 GB: the client sends without waiting, so the server cannot resynchronise: it says BYE and closes.
        await wire.LineAsync("a5 APPEND INBOX {2147483648+}");
        var lines = new List<string>();
        while (await wire.ReadLineAsync() is { } line)
        {
            lines.Add(line);
        }
        Assert.Contains(lines, l => l.StartsWith("* BYE", StringComparison.Ordinal) || l.StartsWith("a5 NO", StringComparison.Ordinal) || l.StartsWith("a5 BAD", StringComparison.Ordinal));
        var growth = Heap() - before;
        output.WriteLine($"FIGURES bomb imap-literal: 2 GB literals refused in {clock.ElapsedMilliseconds} ms, heap growth {growth / 1024:N0} KiB");
        Assert.True(growth < 16 * 1024 * 1024, $"heap grew {growth:N0} bytes");
        Assert.Empty(await _stack.MessagesAsync("alice@acme.test"));
    }

    [Fact]
    public async Task A_pop3_line_bomb_is_refused_and_closed()
    {
        await using var wire = await Wire.ConnectAsync(_stack.Pop3Port);
        await wire.ReadLineAsync();
        try
        {
            for (var i = 0; i < 256; i++)
            {
                await wire.SendAsync(Encoding.ASCII.GetBytes(new string('U', 64 * 1024)));
            }
        }
        catch (IOException)
        {
        }
        var reply = await wire.ReadLineAsync();
        Assert.True(reply is null || reply.StartsWith("-ERR", StringComparison.Ordinal), reply);
        await StillServesAsync();
    }

    [Fact]
    public async Task A_hundred_thousand_header_fields_and_mime_nested_two_hundred_deep_are_taken_and_filed_with_bounded_summaries()
    {
        var headers = new StringBuilder("Subject: header bomb\r\nMessage-ID: <header-bomb@x>\r\n");
        for (var i = 0; i < 100_000; i++)
        {
            headers.Append("X-H: ").Append(i % 10).Append("\r\n");
        }
        headers.Append("\r\nbody\r\n");
        var nested = new StringBuilder("Subject: nesting bomb\r\nMessage-ID: <nesting-bomb@x>\r\nMIME-Version: 1.0\r\n");
        for (var i = 0; i < 200; i++)
        {
            nested.Append("Content-Type: multipart/mixed; boundary=b").Append(i).Append("\r\n\r\n--b").Append(i).Append("\r\n");
        }
        nested.Append("Content-Type: text/plain\r\n\r\ndeep\r\n");
        for (var i = 199; i >= 0; i--)
        {
            nested.Append("--b").Append(i).Append("--\r\n");
        }
        var before = Heap();
        await using (var sender = await SmtpSender.ConnectAsync(_stack.SmtpPort))
        {
            Assert.Equal(250, (await sender.SendAsync("a@client.reliability.test", ["bob@acme.test"], headers.ToString()))?.Code);
            Assert.Equal(250, (await sender.SendAsync("a@client.reliability.test", ["bob@acme.test"], nested.ToString()))?.Code);
        }
        var filed = await Poll.UntilAsync(() => _stack.MessagesAsync("bob@acme.test"), l => l.Count >= 2, TimeSpan.FromSeconds(60));
        Assert.Equal(2, filed.Count);
        var deep = filed.Single(m => m.Summary?.Envelope.MessageId == "<nesting-bomb@x>").Summary!.Body;
        var depth = 0;
        for (var part = deep; part.Parts is { Count: > 0 } parts; part = parts[0])
        {
            depth++;
        }
        Assert.InRange(depth, 1, MessageSummaryBuilder.MaxNesting);
        var growth = Heap() - before;
        output.WriteLine($"FIGURES bomb mime: 100,000 header fields ({headers.Length / 1024:N0} KiB) and 200-deep nesting filed; summary depth kept at {depth}; heap growth {growth / 1024:N0} KiB");
        Assert.True(growth < 64 * 1024 * 1024, $"heap grew {growth:N0} bytes");

        // IMAP serves both: the structure of the deep one, the header of the wide one.
        await using var wire = await Wire.ConnectAsync(_stack.ImapPort);
        await wire.ReadLineAsync();
        await wire.LineAsync($"a LOGIN bob@acme.test \"{MailStack.Password}\"");
        await wire.ImapUntilTaggedAsync("a");
        await wire.LineAsync("b SELECT INBOX");
        await wire.ImapUntilTaggedAsync("b");
        await wire.LineAsync("c FETCH 1:2 (BODYSTRUCTURE ENVELOPE RFC822.SIZE)");
        Assert.StartsWith("c OK", (await wire.ImapUntilTaggedAsync("c"))[^1], StringComparison.Ordinal);
        await StillServesAsync();
    }
}
