using System.Text;
using Serverless.Mail.Migration.Files;
using Xunit;

namespace Serverless.Mail.Tests.Migration;

/// <summary>mbox framing and "From " escaping (RFC 4155; mboxrd and mboxo), read and written.</summary>
public sealed class MboxTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static async Task<List<MboxMessage>> ReadAsync(string file, MboxFormat format = MboxFormat.Mboxrd, long maxMessageBytes = 1 << 20)
    {
        var list = new List<MboxMessage>();
        await foreach (var m in new MboxReader(new MemoryStream(B(file)), format, 0, maxMessageBytes).ReadAsync())
        {
            list.Add(m);
        }
        return list;
    }

    private static async Task<string> WriteAsync(params string[] messages)
    {
        var output = new MemoryStream();
        foreach (var m in messages)
        {
            await output.WriteAsync(MboxWriter.FromLine("a@b.example", new DateTimeOffset(2026, 12, 3, 17, 40, 12, TimeSpan.Zero)));
            await MboxWriter.WriteMessageAsync(output, new MemoryStream(B(m)), default);
        }
        return Encoding.UTF8.GetString(output.ToArray());
    }

    [Fact]
    public async Task Mboxrd_escapes_every_quoted_From_line_with_one_more_quote_and_reading_takes_exactly_one_away()
    {
        var body = "Subject: x\r\n\r\nFrom here\r\n>From there\r\n>>From far\r\nFromage\r\n> From spaced\r\n";
        var file = await WriteAsync(body, "Subject: y\r\n\r\ny\r\n");
        Assert.Equal("From a@b.example Thu Dec  3 17:40:12 2026\nSubject: x\r\n\r\n>From here\r\n>>From there\r\n>>>From far\r\nFromage\r\n> From spaced\r\n\n"
            + "From a@b.example Thu Dec  3 17:40:12 2026\nSubject: y\r\n\r\ny\r\n\n", file);
        var read = await ReadAsync(file);
        Assert.Equal([body, "Subject: y\r\n\r\ny\r\n"], read.Select(m => Encoding.UTF8.GetString(m.Bytes)));
        Assert.All(read, m => Assert.Equal(new DateTimeOffset(2026, 12, 3, 17, 40, 12, TimeSpan.Zero), m.Date));
    }

    [Fact]
    public async Task Mboxo_unescapes_only_a_single_quote_since_it_never_added_more()
    {
        var file = "From a Mon Jan  1 00:00:00 2024\nSubject: x\n\n>From one\n>>From two\n";
        var o = Assert.Single(await ReadAsync(file, MboxFormat.Mboxo));
        Assert.Equal("Subject: x\n\nFrom one\n>>From two\n", Encoding.UTF8.GetString(o.Bytes));
        var rd = Assert.Single(await ReadAsync(file, MboxFormat.Mboxrd));
        Assert.Equal("Subject: x\n\nFrom one\n>From two\n", Encoding.UTF8.GetString(rd.Bytes));
    }

    [Fact]
    public async Task A_From_line_separates_messages_only_at_the_start_or_after_an_empty_line_and_offsets_allow_resuming()
    {
        var file = "junk before\nFrom a Mon Jan  1 00:00:00 2024\nSubject: 1\n\nbody\nFrom not a separator\n\nFrom b Tue Jan  2 00:00:00 2024\r\nSubject: 2\r\n\r\n";
        var read = await ReadAsync(file);
        // The blank line before the next "From " (and one at the very end) belongs to the file, not the message.
        Assert.Equal(["Subject: 1\n\nbody\nFrom not a separator\n", "Subject: 2\r\n"], read.Select(m => Encoding.UTF8.GetString(m.Bytes)));
        Assert.Equal(file.IndexOf("From a", StringComparison.Ordinal), read[0].Offset);
        Assert.Equal(file.IndexOf("From b", StringComparison.Ordinal), read[0].NextOffset);
        Assert.Equal(file.Length, read[1].NextOffset);

        // Reading again from the second message's offset gives the same second message.
        var resumed = new List<MboxMessage>();
        await foreach (var m in new MboxReader(new MemoryStream(B(file[(int)read[0].NextOffset..])), MboxFormat.Mboxrd, read[0].NextOffset).ReadAsync())
        {
            resumed.Add(m);
        }
        Assert.Equal(read[1].Bytes, Assert.Single(resumed).Bytes);
        Assert.Equal(read[1].Offset, resumed[0].Offset);

        // The upload's counter sees the same messages, however the bytes are split.
        foreach (var chunk in new[] { 1, 3, 7, 1000 })
        {
            var counter = new MboxReader.Counter();
            foreach (var part in B(file).Chunk(chunk))
            {
                counter.Add(part);
            }
            counter.Complete();
            Assert.Equal(2, counter.Messages);
        }
    }

    [Fact]
    public async Task A_message_over_the_limit_is_reported_without_its_bytes_and_the_next_one_is_read()
    {
        var read = await ReadAsync("From a Mon Jan  1 00:00:00 2024\n" + new string('x', 100) + "\n\nFrom b Mon Jan  1 00:00:00 2024\nok\n", maxMessageBytes: 50);
        Assert.True(read[0].TooLarge);
        Assert.Empty(read[0].Bytes);
        Assert.Equal("ok\n", Encoding.UTF8.GetString(read[1].Bytes));
    }

    [Fact]
    public void Status_headers_of_mbox_writers_become_flags()
    {
        var flags = MboxStatus.Flags(B("Subject: x\r\nStatus: RO\r\nX-Status: AF\r\nX-Keywords: $label1 Work\r\n\r\nStatus: R in the body\r\n"));
        Assert.Equal(["\\Seen", "\\Answered", "\\Flagged", "$label1", "Work"], flags);
    }
}
