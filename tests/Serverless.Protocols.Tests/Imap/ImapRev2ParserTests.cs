using System.Buffers;
using System.Text;
using Serverless.Protocols.Imap;
using Xunit;
using static Serverless.Protocols.Tests.Imap.FrameHelper;

namespace Serverless.Protocols.Tests.Imap;

/// <summary>Parsing for issue 17's IMAP4rev2 part and the imaptest groups atoms, nil and id.</summary>
public sealed class ImapRev2ParserTests
{
    [Fact]
    public void Nil_in_a_flag_list_is_the_keyword_nil()
    {
        Assert.Equal(["NIL"], Args<StoreArguments>("t STORE 1 +FLAGS NIL\r\n").Flags);
        Assert.Equal(["\\Seen", "nil"], Args<StoreArguments>("t STORE 1 FLAGS (\\Seen nil)\r\n").Flags);
    }

    [Fact]
    public void A_list_pattern_or_reference_that_is_not_modified_utf7_leaves_nothing_to_match()
    {
        Assert.Empty(Args<ListArguments>("t LIST \"\" \"&Jjo\"\r\n").Patterns);
        Assert.Empty(Args<ListArguments>("t LIST \"&\" *\r\n").Patterns);
        Assert.Equal(["INBOX"], Args<ListArguments>("t LIST \"\" (INBOX \"a&b\")\r\n").Patterns);
        Assert.Empty(Args<ListArguments>("t LSUB \"\" \"&2D0-\"\r\n").Patterns);
        Assert.Equal(["~foo"], Args<ListArguments>("t LIST \"\" ~foo\r\n").Patterns);
    }

    [Fact]
    public void With_imap4rev2_enabled_mailbox_names_are_utf8_and_ampersand_is_itself()
    {
        var frame = Frame("t SELECT \"R&D\"\r\n");
        Assert.Equal("R&D", ((SelectArguments)ImapCommandParser.Parse(frame, utf8MailboxNames: true).Arguments).Mailbox);
        Assert.Throws<ImapMailboxNameException>(() => ImapCommandParser.Parse(frame));
        // Decomposed "ü" is stored composed (RFC 9051 5.1: Net-Unicode, NFC).
        var decomposed = Frame("t CREATE {10}\r\nEntwu\u0308rfe\r\n");
        Assert.Equal("Entwürfe", ((CreateArguments)ImapCommandParser.Parse(decomposed, utf8MailboxNames: true).Arguments).Mailbox);
        var list = (ListArguments)ImapCommandParser.Parse(Frame("t LIST \"R&D/\" \"&*\"\r\n"), utf8MailboxNames: true).Arguments;
        Assert.Equal(("R&D/", "&*"), (list.Reference, Assert.Single(list.Patterns)));
        Assert.Equal("INBOX", ((SelectArguments)ImapCommandParser.Parse(Frame("t SELECT inbox\r\n"), utf8MailboxNames: true).Arguments).Mailbox);
    }

    [Fact]
    public void Searchres_dollar_is_a_whole_sequence_set_and_save_is_a_return_option()
    {
        Assert.True(Args<FetchArguments>("t FETCH $ FLAGS\r\n").Set.IsSaved);
        Assert.True(Args<CopyArguments>("t COPY $ Trash\r\n").Set.IsSaved);
        Assert.Throws<ImapParseException>(() => Parse("t FETCH 1,$ FLAGS\r\n"));
        Assert.Throws<ImapParseException>(() => Parse("t FETCH $:3 FLAGS\r\n"));
        Assert.Equal(["SAVE", "MIN"], Args<SearchArguments>("t SEARCH RETURN (SAVE MIN) ALL\r\n").Return);
        Assert.Equal(["SAVE"], Args<SearchArguments>("t SEARCH RETURN (SAVE) $\r\n").Return);
    }

    [Fact]
    public void Status_takes_deleted()
    {
        Assert.Equal(["MESSAGES", "DELETED"], Args<StatusArguments>("t STATUS INBOX (MESSAGES DELETED)\r\n").Items);
    }

    [Fact]
    public void Id_holds_fields_to_30_octets_and_values_to_1024()
    {
        var value = new string('v', 1024);
        Assert.Equal(value, Assert.Single(Args<IdArguments>($"t ID (\"{new string('f', 30)}\" \"{value}\")\r\n").Fields!).Value);
        Assert.Throws<ImapParseException>(() => Parse($"t ID (\"{new string('f', 31)}\" \"v\")\r\n"));
        Assert.Throws<ImapParseException>(() => Parse($"t ID (\"f\" \"{new string('v', 1025)}\")\r\n"));
    }

    [Fact]
    public void Before_login_only_an_id_command_may_use_the_longest_line_rfc_2971_allows()
    {
        // 30 fields of 30 octets with values of 1024: 31.8 KB, as imaptest's id test sends it.
        var pairs = Enumerable.Range(0, 30).Select(i => $"\"{i:D2}{new string('f', 28)}\" \"{new string('v', 1024)}\"");
        var id = "a1 ID (" + string.Join(' ', pairs) + ")\r\n";
        Assert.True(id.Length > 31_000);
        var framer = new ImapCommandFramer(ImapLimits.BeforeLogin);
        foreach (var chunk in id.Chunk(4096))
        {
            var status = framer.Process(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(chunk)), out _);
            Assert.NotEqual(ImapFrameStatus.Invalid, status);
        }
        Assert.Equal(30, ((IdArguments)ImapCommandParser.Parse(framer.TakeFrame()).Arguments).Fields!.Count);

        // Any other command keeps the 8 KiB line, and ID is cut at 32 KiB.
        framer = new ImapCommandFramer(ImapLimits.BeforeLogin);
        Assert.Equal(ImapFrameStatus.Invalid, framer.Process(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("a2 LOGIN " + new string('x', 9000))), out _));
        Assert.True(framer.Error!.Fatal);
        framer = new ImapCommandFramer(ImapLimits.BeforeLogin);
        Assert.Equal(ImapFrameStatus.Invalid, framer.Process(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("a3 ID (\"x\" \"" + new string('x', 33_000))), out _));
        framer = new ImapCommandFramer(ImapLimits.BeforeLogin);
        Assert.Equal(ImapFrameStatus.Invalid, framer.Process(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("a4 IDLE " + new string('x', 9000))), out _));
    }
}
