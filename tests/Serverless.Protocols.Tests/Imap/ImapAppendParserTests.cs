using System.Buffers;
using System.Text;
using Serverless.Protocols.Imap;
using Xunit;
using static Serverless.Protocols.Tests.Imap.FrameHelper;

namespace Serverless.Protocols.Tests.Imap;

public sealed class ImapAppendParserTests
{
    [Fact]
    public void Multiappend_reads_each_message_with_its_own_flags_and_date()
    {
        var args = Args<AppendArguments>("t APPEND Sent (\\Seen) {5+}\r\nHello \" 7-Feb-1994 21:52:25 -0800\" {3+}\r\nabc {1+}\r\nz\r\n");
        Assert.Equal("Sent", args.Mailbox);
        Assert.Equal(3, args.Parts.Count);
        Assert.Equal(["\\Seen"], args.Parts[0].Flags);
        Assert.Empty(args.Parts[1].Flags);
        Assert.Equal(new DateTimeOffset(1994, 2, 7, 21, 52, 25, TimeSpan.FromHours(-8)), args.Parts[1].InternalDate);
        Assert.Equal(["Hello", "abc", "z"], args.Parts.Select(p => Encoding.ASCII.GetString(p.Message.Data.Span)));
    }

    [Fact]
    public void The_prefix_of_a_later_message_names_the_mailbox_and_that_message_flags()
    {
        var framer = new ImapCommandFramer();
        framer.Process(new ReadOnlySequence<byte>("t APPEND INBOX {2+}\r\n"u8.ToArray()), out _);
        var first = ImapCommandParser.TryParseAppendPrefix(framer.Partial);
        Assert.Equal(("t", "INBOX"), (first!.Value.Tag, first.Value.Mailbox));
        Assert.Empty(first.Value.Flags);
        framer.AcceptLiteral();
        framer.Process(new ReadOnlySequence<byte>("ab (\\Flagged) {3+}\r\n"u8.ToArray()), out _);
        var second = ImapCommandParser.TryParseAppendPrefix(framer.Partial);
        Assert.NotNull(second);
        Assert.Equal("INBOX", second.Value.Mailbox);
        Assert.Equal(["\\Flagged"], second.Value.Flags);
    }

    [Theory]
    [InlineData("t APPEND x {1+}\r\na b\r\n")]
    [InlineData("t APPEND x {1+}\r\na (\\Recent) {1+}\r\nb\r\n")]
    [InlineData("t APPEND x {1+}\r\na {1+}\r\nb c\r\n")]
    public void A_malformed_message_list_is_a_parse_error(string text) =>
        Assert.Throws<ImapParseException>(() => Parse(text));
}
