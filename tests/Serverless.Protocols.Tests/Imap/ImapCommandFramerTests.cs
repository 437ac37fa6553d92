using System.Buffers;
using System.Text;
using Serverless.Protocols.Imap;
using Xunit;

namespace Serverless.Protocols.Tests.Imap;

public sealed class ImapCommandFramerTests
{
    private static ReadOnlySequence<byte> Bytes(string s) => new(Encoding.UTF8.GetBytes(s));

    [Fact]
    public void A_line_fed_one_byte_at_a_time_completes_only_at_its_end()
    {
        var framer = new ImapCommandFramer();
        var text = "a1 NOOP\r\n";
        for (var i = 0; i < text.Length - 1; i++)
        {
            Assert.Equal(ImapFrameStatus.NeedMoreData, framer.Process(Bytes(text[i].ToString()), out _));
        }
        Assert.Equal(ImapFrameStatus.Complete, framer.Process(Bytes("\n"), out _));
        var frame = framer.TakeFrame();
        Assert.Equal("a1", frame.Tag);
        Assert.Equal("a1 NOOP", Encoding.ASCII.GetString(Assert.Single(frame.Segments).Data.Span));
        Assert.True(framer.IsIdle);
    }

    [Fact]
    public void Spaces_before_the_crlf_that_ends_a_command_are_dropped_as_dovecot_does()
    {
        var framer = new ImapCommandFramer();
        Assert.Equal(ImapFrameStatus.Complete, framer.Process(Bytes("a1 FETCH 1 FLAGS  \r\n"), out _));
        var fetch = ImapCommandParser.Parse(framer.TakeFrame());
        Assert.Equal("FETCH", fetch.Name);

        // Only the command's last line: a literal's bytes keep their spaces.
        Assert.Equal(ImapFrameStatus.LiteralAnnounced, framer.Process(Bytes("a2 LOGIN {6}\r\n"), out _));
        framer.AcceptLiteral();
        Assert.Equal(ImapFrameStatus.Complete, framer.Process(Bytes("alice  \"pw \" \r\n"), out _));
        var args = (LoginArguments)ImapCommandParser.Parse(framer.TakeFrame()).Arguments;
        Assert.Equal(("alice ", "pw "), (args.User, args.Password));
    }

    [Fact]
    public void A_synchronising_literal_is_announced_and_waits_for_a_decision()
    {
        var framer = new ImapCommandFramer();
        var input = Bytes("a1 LOGIN {5}\r\n");
        Assert.Equal(ImapFrameStatus.LiteralAnnounced, framer.Process(input, out var consumed));
        Assert.Equal(input.End, consumed);
        Assert.Equal(new ImapLiteralAnnouncement(5, Synchronizing: true), framer.Announcement);
        framer.AcceptLiteral();
        Assert.Equal(ImapFrameStatus.NeedMoreData, framer.Process(Bytes("ali"), out _));
        Assert.Equal(ImapFrameStatus.Complete, framer.Process(Bytes("ce \"pw\"\r\n"), out _));
        var args = (LoginArguments)ImapCommandParser.Parse(framer.TakeFrame()).Arguments;
        Assert.Equal(("alice", "pw"), (args.User, args.Password));
    }

    [Fact]
    public void A_non_synchronising_literal_stops_right_after_its_line_so_the_caller_can_stream_it()
    {
        var framer = new ImapCommandFramer();
        var input = Bytes("a1 APPEND INBOX {3+}\r\nabc\r\n");
        Assert.Equal(ImapFrameStatus.LiteralAnnounced, framer.Process(input, out var consumed));
        Assert.Equal(new ImapLiteralAnnouncement(3, Synchronizing: false), framer.Announcement);
        var rest = input.Slice(consumed);
        Assert.Equal("abc\r\n", Encoding.ASCII.GetString(rest.ToArray()));
        framer.ProvideLiteral("handle");
        Assert.Equal(ImapFrameStatus.Complete, framer.Process(rest.Slice(3), out _));
        var append = (AppendArguments)ImapCommandParser.Parse(framer.TakeFrame()).Arguments;
        Assert.Equal("INBOX", append.Mailbox);
        Assert.Equal(ImapSegmentKind.External, append.Message.Kind);
        Assert.Equal("handle", append.Message.External);
        Assert.Equal(3, append.Message.Size);
    }

    [Fact]
    public void A_literal_of_two_gigabytes_is_reported_by_size_and_refused_before_anything_is_allocated()
    {
        var framer = new ImapCommandFramer();
        Assert.Equal(ImapFrameStatus.LiteralAnnounced, framer.Process(Bytes("a1 LOGIN {2147483648}\r\n"), out _));
        Assert.Equal(2147483648L, framer.Announcement.Size);
        Assert.False(framer.CanBuffer(framer.Announcement.Size));
        Assert.Throws<InvalidOperationException>(framer.AcceptLiteral);
        framer.Reset();
        Assert.True(framer.IsIdle);
    }

    [Fact]
    public void Literal_sizes_beyond_32_bits_are_invalid_and_fatal_when_not_synchronising()
    {
        var sync = new ImapCommandFramer();
        Assert.Equal(ImapFrameStatus.Invalid, sync.Process(Bytes("a1 LOGIN {99999999999}\r\n"), out _));
        Assert.Equal(("a1", false), (sync.Error!.Tag, sync.Error.Fatal));
        var plus = new ImapCommandFramer();
        Assert.Equal(ImapFrameStatus.Invalid, plus.Process(Bytes("a1 LOGIN {99999999999+}\r\n"), out _));
        Assert.True(plus.Error!.Fatal);
    }

    [Fact]
    public void An_endless_line_is_fatal_once_it_passes_the_bound()
    {
        var framer = new ImapCommandFramer(new ImapLimits { MaxLineLength = 100 });
        Assert.Equal(ImapFrameStatus.NeedMoreData, framer.Process(Bytes("a1 " + new string('x', 90)), out _));
        Assert.Equal(ImapFrameStatus.Invalid, framer.Process(Bytes(new string('x', 20)), out _));
        Assert.True(framer.Error!.Fatal);
        Assert.Equal("a1", framer.Error.Tag);
    }

    [Fact]
    public void The_whole_command_is_bounded_across_buffered_literals()
    {
        var framer = new ImapCommandFramer(new ImapLimits { MaxBufferedLiteral = 100, MaxCommandBytes = 150 });
        Assert.Equal(ImapFrameStatus.LiteralAnnounced, framer.Process(Bytes("a1 LOGIN {100}\r\n"), out _));
        Assert.True(framer.CanBuffer(100));
        framer.AcceptLiteral();
        Assert.Equal(ImapFrameStatus.LiteralAnnounced, framer.Process(Bytes(new string('u', 100) + " {100}\r\n"), out _));
        Assert.False(framer.CanBuffer(100));
    }

    [Fact]
    public void Bare_LF_ends_a_line_and_stray_empty_lines_are_ignored()
    {
        var framer = new ImapCommandFramer();
        Assert.Equal(ImapFrameStatus.Complete, framer.Process(Bytes("\r\n\na1 NOOP\n"), out _));
        Assert.Equal("a1", framer.TakeFrame().Tag);
    }

    [Fact]
    public void Pipelined_commands_come_out_one_at_a_time()
    {
        var framer = new ImapCommandFramer();
        var input = Bytes("a1 NOOP\r\na2 CAPABILITY\r\n");
        Assert.Equal(ImapFrameStatus.Complete, framer.Process(input, out var consumed));
        Assert.Equal("a1", framer.TakeFrame().Tag);
        Assert.Equal(ImapFrameStatus.Complete, framer.Process(input.Slice(consumed), out _));
        Assert.Equal("a2", framer.TakeFrame().Tag);
    }

    [Fact]
    public void A_command_with_several_literals_keeps_them_in_order()
    {
        var frame = FrameHelper.Frame("x LOGIN {4}\r\nuser {8}\r\np\"ss wrd\r\n");
        var args = (LoginArguments)ImapCommandParser.Parse(frame).Arguments;
        Assert.Equal(("user", "p\"ss wrd"), (args.User, args.Password));
        Assert.Equal(5, frame.Segments.Count);
    }

    [Fact]
    public void Literals_per_command_are_bounded()
    {
        var framer = new ImapCommandFramer(new ImapLimits { MaxLiterals = 2 });
        var input = Bytes("a1 X {1}\r\na {1}\r\nb {1}\r\n");
        Assert.Equal(ImapFrameStatus.LiteralAnnounced, framer.Process(input, out var c));
        framer.AcceptLiteral();
        input = input.Slice(c);
        Assert.Equal(ImapFrameStatus.LiteralAnnounced, framer.Process(input, out c));
        framer.AcceptLiteral();
        Assert.Equal(ImapFrameStatus.Invalid, framer.Process(input.Slice(c), out _));
    }
}
