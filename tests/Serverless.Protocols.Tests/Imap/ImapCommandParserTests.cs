using Serverless.Protocols.Imap;
using Xunit;
using static Serverless.Protocols.Tests.Imap.FrameHelper;

namespace Serverless.Protocols.Tests.Imap;

public sealed class ImapCommandParserTests
{
    [Theory]
    [InlineData("a CAPABILITY", "CAPABILITY")]
    [InlineData("a noop", "NOOP")]
    [InlineData("a Logout", "LOGOUT")]
    [InlineData("a STARTTLS", "STARTTLS")]
    [InlineData("a CHECK", "CHECK")]
    [InlineData("a CLOSE", "CLOSE")]
    [InlineData("a UNSELECT", "UNSELECT")]
    [InlineData("a IDLE", "IDLE")]
    [InlineData("a NAMESPACE", "NAMESPACE")]
    [InlineData("a EXPUNGE", "EXPUNGE")]
    public void Commands_without_arguments(string line, string name)
    {
        var command = Parse(line + "\r\n");
        Assert.Equal(("a", name, false), (command.Tag, command.Name, command.Uid));
    }

    [Theory]
    [InlineData("a NOOP extra", "Unexpected extra arguments")]
    [InlineData("a FROB", "Unknown command")]
    [InlineData("a LOGIN onlyuser", "Missing argument")]
    [InlineData("a UID NOOP", "Unknown UID command")]
    [InlineData("a SELECT", "Missing argument")]
    [InlineData("a FETCH 1 (FLAGS", "Expected ')'")]
    [InlineData("a FETCH 0 FLAGS", "Invalid sequence set")]
    [InlineData("a FETCH 1 BODY[1.FOO]", "Invalid section")]
    [InlineData("a STORE 1 FLAGS (\\Bogus)", "Unknown system flag \\Bogus")]
    [InlineData("a STORE 1 +FLAGS \\Recent", "\\Recent cannot be stored")]
    [InlineData("a SEARCH BEFORE 31-Feb-2020", "Invalid date")]
    [InlineData("a SEARCH FROBNICATE", "Unknown search key FROBNICATE")]
    [InlineData("a LOGIN \"unterminated", "Unterminated quoted string")]
    public void Malformed_commands_say_what_is_wrong(string line, string message)
    {
        var e = Assert.Throws<ImapParseException>(() => Parse(line + "\r\n"));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Quota_commands_take_a_mailbox_or_a_quota_root()
    {
        Assert.Equal("INBOX", Args<MailboxArguments>("q GETQUOTAROOT inbox\r\n").Mailbox);
        Assert.Equal("", Args<QuotaRootArguments>("q GETQUOTA \"\"\r\n").Root);
        Assert.Equal("User quota", Args<QuotaRootArguments>("q SETQUOTA \"User quota\" (STORAGE 512 MESSAGE 1000)\r\n").Root);
        Assert.Equal("", Args<QuotaRootArguments>("q SETQUOTA \"\" ()\r\n").Root);
        Assert.Throws<ImapParseException>(() => Parse("q SETQUOTA \"\" (STORAGE)\r\n"));
        Assert.Throws<ImapParseException>(() => Parse("q GETQUOTA\r\n"));
    }

    [Fact]
    public void A_missing_or_invalid_tag_is_a_parse_error()
    {
        Assert.Throws<ImapParseException>(() => Parse("+tag NOOP\r\n"));
        Assert.Null(Frame("+x NOOP\r\n").Tag);
    }

    [Fact]
    public void Login_takes_atoms_quoted_strings_with_escapes_and_literals()
    {
        Assert.Equal(("a@b.c", "p\\w\"d"), Fields(Args<LoginArguments>("t LOGIN a@b.c \"p\\\\w\\\"d\"\r\n")));
        Assert.Equal(("a@b.c", "sp ace"), Fields(Args<LoginArguments>("t LOGIN \"a@b.c\" {6}\r\nsp ace\r\n")));
        Assert.DoesNotContain("sp ace", Args<LoginArguments>("t LOGIN a {6}\r\nsp ace\r\n").ToString(), StringComparison.Ordinal);

        static (string, string) Fields(LoginArguments a) => (a.User, a.Password);
    }

    [Fact]
    public void Authenticate_with_and_without_an_initial_response()
    {
        Assert.Equal(("PLAIN", null), Fields(Args<AuthenticateArguments>("t AUTHENTICATE plain\r\n")));
        Assert.Equal(("PLAIN", "AGEAYg=="), Fields(Args<AuthenticateArguments>("t AUTHENTICATE PLAIN AGEAYg==\r\n")));

        static (string, string?) Fields(AuthenticateArguments a) => (a.Mechanism, a.InitialResponse);
    }

    [Fact]
    public void Mailbox_names_are_decoded_and_inbox_is_case_insensitive()
    {
        Assert.Equal("INBOX", Args<SelectArguments>("t SELECT inbox\r\n").Mailbox);
        Assert.Equal("INBOX/Sub", Args<CreateArguments>("t CREATE Inbox/Sub\r\n").Mailbox);
        Assert.Equal("Entwürfe", Args<SelectArguments>("t EXAMINE \"Entw&APw-rfe\"\r\n").Mailbox);
        Assert.True(Args<SelectArguments>("t SELECT x (CONDSTORE)\r\n").CondStore);
        Assert.Equal(("a", "b/c"), Fields(Args<RenameArguments>("t RENAME a \"b/c\"\r\n")));
        Assert.Throws<ImapMailboxNameException>(() => Parse("t SELECT \"&Jjo\"\r\n"));

        static (string, string) Fields(RenameArguments a) => (a.From, a.To);
    }

    [Fact]
    public void Fetch_macros_and_attributes()
    {
        Assert.Equal([FetchItemKind.Flags, FetchItemKind.InternalDate, FetchItemKind.Rfc822Size, FetchItemKind.Envelope],
            Args<FetchArguments>("t FETCH 1:* ALL\r\n").Items.Select(i => i.Kind));
        Assert.Equal([FetchItemKind.Flags, FetchItemKind.InternalDate, FetchItemKind.Rfc822Size],
            Args<FetchArguments>("t FETCH 1 FAST\r\n").Items.Select(i => i.Kind));
        Assert.Equal(FetchItemKind.Body, Args<FetchArguments>("t FETCH 1 FULL\r\n").Items[^1].Kind);
        var items = Args<FetchArguments>("t FETCH 2,4:6 (UID RFC822 RFC822.HEADER RFC822.TEXT RFC822.SIZE BODY BODYSTRUCTURE ENVELOPE MODSEQ)\r\n").Items;
        Assert.Equal([FetchItemKind.Uid, FetchItemKind.Rfc822, FetchItemKind.Rfc822Header, FetchItemKind.Rfc822Text, FetchItemKind.Rfc822Size,
            FetchItemKind.Body, FetchItemKind.BodyStructure, FetchItemKind.Envelope, FetchItemKind.ModSeq], items.Select(i => i.Kind));
    }

    [Theory]
    [InlineData("BODY[]", "", SectionText.None, false, null)]
    [InlineData("BODY.PEEK[]<0.100>", "", SectionText.None, true, "0.100")]
    [InlineData("BODY[HEADER]", "", SectionText.Header, false, null)]
    [InlineData("BODY[TEXT]<10.5>", "", SectionText.Text, false, "10.5")]
    [InlineData("BODY[1]", "1", SectionText.None, false, null)]
    [InlineData("BODY.PEEK[1.2.3]", "1.2.3", SectionText.None, true, null)]
    [InlineData("BODY[2.MIME]", "2", SectionText.Mime, false, null)]
    [InlineData("BODY[3.HEADER]", "3", SectionText.Header, false, null)]
    [InlineData("BODY[3.TEXT]", "3", SectionText.Text, false, null)]
    [InlineData("BODY.PEEK[HEADER.FIELDS (From Subject)]", "", SectionText.HeaderFields, true, null)]
    [InlineData("BODY[1.HEADER.FIELDS.NOT (X-A)]", "1", SectionText.HeaderFieldsNot, false, null)]
    public void Body_sections(string attribute, string part, SectionText text, bool peek, string? partial)
    {
        var item = Assert.Single(Args<FetchArguments>($"t FETCH 1 {attribute}\r\n").Items);
        Assert.Equal(FetchItemKind.BodySection, item.Kind);
        Assert.Equal(part, string.Join('.', item.Section!.Part));
        Assert.Equal((text, peek), (item.Section.Text, item.Peek));
        Assert.Equal(partial, item.PartialOrigin is null ? null : $"{item.PartialOrigin}.{item.PartialCount}");
        Assert.Equal(!peek, item.SetsSeen);
    }

    [Fact]
    public void Section_response_names_echo_the_request_in_canonical_form()
    {
        var items = Args<FetchArguments>("t FETCH 1 (body.peek[header.fields (from to)]<5.10> BODY[1.2.MIME] BODY[])\r\n").Items;
        Assert.Equal(["BODY[HEADER.FIELDS (FROM TO)]<5>", "BODY[1.2.MIME]", "BODY[]"], items.Select(i => i.ResponseName));
    }

    [Fact]
    public void Select_qresync_parameters_and_the_vanished_modifier()
    {
        var q = Args<SelectArguments>("t SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541 (1,5 41,43)))\r\n").QResync!;
        Assert.Equal((67890007L, 20050715194045000L, "41,43:211,214:541"), (q.UidValidity, q.ModSeq, q.KnownUids!.ToString()));
        Assert.Null(Args<SelectArguments>("t SELECT INBOX (QRESYNC (1 2))\r\n").QResync!.KnownUids);
        Assert.True(Args<FetchArguments>("t UID FETCH 1:* FLAGS (CHANGEDSINCE 5 VANISHED)\r\n").Vanished);
        Assert.Throws<ImapParseException>(() => Parse("t UID FETCH 1:* FLAGS (VANISHED)\r\n"));
    }

    [Fact]
    public void Fetch_changedsince_modifier()
    {
        var args = Args<FetchArguments>("t UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)\r\n");
        Assert.Equal(12345, args.ChangedSince);
        Assert.True(Parse("t UID FETCH 1:* FLAGS\r\n").Uid);
    }

    [Fact]
    public void Store_forms()
    {
        var replace = Args<StoreArguments>("t STORE 1 FLAGS (\\seen $Label1)\r\n");
        Assert.Equal((StoreMode.Replace, false), (replace.Mode, replace.Silent));
        Assert.Equal(["\\Seen", "$Label1"], replace.Flags);
        var add = Args<StoreArguments>("t STORE 1:3 +FLAGS.SILENT \\Deleted \\Flagged\r\n");
        Assert.Equal((StoreMode.Add, true), (add.Mode, add.Silent));
        Assert.Equal(["\\Deleted", "\\Flagged"], add.Flags);
        var remove = Args<StoreArguments>("t STORE 2 (UNCHANGEDSINCE 7) -FLAGS ()\r\n");
        Assert.Equal((StoreMode.Remove, 7L), (remove.Mode, remove.UnchangedSince));
        Assert.Empty(remove.Flags);
    }

    [Fact]
    public void Search_reads_every_rfc3501_key()
    {
        var key = Args<SearchArguments>("t SEARCH CHARSET UTF-8 ALL ANSWERED BCC b BEFORE 1-Feb-1994 BODY x CC c DELETED DRAFT FLAGGED FROM f " +
            "HEADER X-Y z KEYWORD k LARGER 10 NEW NOT SEEN OLD ON \"2-Mar-2001\" OR RECENT UNSEEN SENTBEFORE 1-Jan-2000 SENTON 1-Jan-2000 " +
            "SENTSINCE 1-Jan-2000 SINCE 1-Jan-2000 SMALLER 99 SUBJECT s TEXT t TO o UID 1:5 UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNKEYWORD k " +
            "1,3:* (SEEN FLAGGED) MODSEQ 5 MODSEQ \"/flags/\\\\draft\" all 6\r\n");
        Assert.Equal("UTF-8", key.Charset);
        var keys = Assert.IsType<SearchAnd>(key.Key).Keys;
        Assert.Equal(36, keys.Count);
        Assert.Equal(new SearchHeader("BCC", "b"), keys[2]);
        Assert.Equal(new SearchDate(false, SearchDateComparison.Before, new DateOnly(1994, 2, 1)), keys[3]);
        Assert.Equal(new SearchHeader("X-Y", "z"), keys[10]);
        Assert.Equal(new SearchFlag("k", true), keys[11]);
        Assert.Equal(new SearchSize(true, 10), keys[12]);
        Assert.IsType<SearchAnd>(keys[13]); // NEW = RECENT UNSEEN
        Assert.Equal(new SearchNot(new SearchFlag("\\Seen", true)), keys[14]);
        Assert.Equal(new SearchFlag("\\Recent", false), keys[15]); // OLD
        Assert.Equal(new SearchOr(new SearchFlag("\\Recent", true), new SearchFlag("\\Seen", false)), keys[17]);
        Assert.Equal(new SearchDate(true, SearchDateComparison.On, new DateOnly(2000, 1, 1)), keys[19]);
        Assert.IsType<SearchSequence>(keys[32]);
        Assert.Equal(new SearchModSeq(6), keys[^1]);
    }

    [Fact]
    public void Search_reads_within_keys_in_seconds()
    {
        var keys = Assert.IsType<SearchAnd>(Args<SearchArguments>("t SEARCH OLDER 60 younger 3600\r\n").Key).Keys;
        Assert.Equal([new SearchAge(true, 60), new SearchAge(false, 3600)], keys);
        Assert.Throws<ImapParseException>(() => Parse("t SEARCH OLDER 0\r\n"));
        Assert.Throws<ImapParseException>(() => Parse("t SEARCH YOUNGER x\r\n"));
    }

    [Fact]
    public void Search_nesting_is_bounded()
    {
        var deep = string.Concat(Enumerable.Repeat("NOT ", 100)) + "ALL";
        Assert.Throws<ImapParseException>(() => Parse($"t SEARCH {deep}\r\n"));
        Assert.Throws<ImapParseException>(() => Parse($"t SEARCH {new string('(', 100)}ALL{new string(')', 100)}\r\n"));
    }

    [Fact]
    public void List_basic_and_extended()
    {
        var basic = Args<ListArguments>("t LIST \"\" %\r\n");
        Assert.Equal(("", "%", false), (basic.Reference, basic.Patterns[0], basic.Extended));
        var extended = Args<ListArguments>("t LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (INBOX \"Sent*\") RETURN (CHILDREN SPECIAL-USE STATUS (MESSAGES UNSEEN))\r\n");
        Assert.True(extended.Extended && extended.SelectSubscribed && extended.SelectRecursiveMatch && extended.ReturnChildren && extended.ReturnSpecialUse);
        Assert.Equal(["INBOX", "Sent*"], extended.Patterns);
        Assert.Equal(["MESSAGES", "UNSEEN"], extended.ReturnStatus!);
        Assert.Throws<ImapParseException>(() => Parse("t LIST (RECURSIVEMATCH) \"\" *\r\n"));
        Assert.True(Args<ListArguments>("t LSUB \"\" *\r\n").SelectSubscribed);
    }

    [Fact]
    public void Status_items()
    {
        var args = Args<StatusArguments>("t STATUS Sent (MESSAGES UIDNEXT uidvalidity UNSEEN RECENT HIGHESTMODSEQ)\r\n");
        Assert.Equal(["MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "RECENT", "HIGHESTMODSEQ"], args.Items);
        Assert.Throws<ImapParseException>(() => Parse("t STATUS Sent (DELETED-STORAGE)\r\n")); // DELETED is RFC 9051's now
    }

    [Fact]
    public void Append_with_flags_and_date_and_the_prefix_before_the_message_literal()
    {
        var args = Args<AppendArguments>("t APPEND Sent (\\Seen) \" 7-Feb-1994 21:52:25 -0800\" {5}\r\nHello\r\n");
        Assert.Equal("Sent", args.Mailbox);
        Assert.Equal(["\\Seen"], args.Flags);
        Assert.Equal(new DateTimeOffset(1994, 2, 7, 21, 52, 25, TimeSpan.FromHours(-8)), args.InternalDate);
        Assert.Equal("Hello", System.Text.Encoding.ASCII.GetString(args.Message.Data.Span));

        var framer = new ImapCommandFramer();
        framer.Process(new System.Buffers.ReadOnlySequence<byte>("t APPEND {4}\r\n"u8.ToArray()), out _);
        Assert.Null(ImapCommandParser.TryParseAppendPrefix(framer.Partial)); // that literal is the mailbox name
        framer.AcceptLiteral();
        framer.Process(new System.Buffers.ReadOnlySequence<byte>("Sent (\\Draft) {100+}\r\n"u8.ToArray()), out _);
        var prefix = ImapCommandParser.TryParseAppendPrefix(framer.Partial);
        Assert.Equal(("t", "Sent", "\\Draft"), (prefix!.Value.Tag, prefix.Value.Mailbox, prefix.Value.Flags.Single()));
    }

    [Fact]
    public void Copy_move_expunge_enable_id()
    {
        Assert.Equal("Trash", Args<CopyArguments>("t UID MOVE 1:4 Trash\r\n").Mailbox);
        Assert.Equal("7:9", Args<ExpungeArguments>("t UID EXPUNGE 7:9\r\n").UidSet!.ToString());
        Assert.Equal(["CONDSTORE", "X"], Args<EnableArguments>("t ENABLE condstore X\r\n").Capabilities);
        Assert.Null(Args<IdArguments>("t ID NIL\r\n").Fields);
        Assert.Equal(new KeyValuePair<string, string?>("name", null), Args<IdArguments>("t ID (\"name\" NIL)\r\n").Fields!.Single());
    }

    [Fact]
    public void Peek_head_reads_tag_and_command_of_an_unfinished_command()
    {
        var framer = new ImapCommandFramer();
        framer.Process(new System.Buffers.ReadOnlySequence<byte>("x7 uid fetch 1 {2}\r\n"u8.ToArray()), out _);
        Assert.Equal(("x7", "FETCH", true), ImapCommandParser.PeekHead(framer.Partial));
    }

    [Fact]
    public void Binary_and_savedate_fetch_items_and_save_date_search_keys()
    {
        var items = Args<FetchArguments>("t FETCH 1 (BINARY[1.2]<5.10> BINARY.PEEK[] BINARY.SIZE[3] SAVEDATE)\r\n").Items;
        Assert.Equal([FetchItemKind.Binary, FetchItemKind.Binary, FetchItemKind.BinarySize, FetchItemKind.SaveDate], items.Select(i => i.Kind));
        Assert.Equal(["BINARY[1.2]<5>", "BINARY[]", "BINARY.SIZE[3]", "SAVEDATE"], items.Select(i => i.ResponseName));
        Assert.True(items[0].SetsSeen);
        Assert.False(items[1].SetsSeen);
        Assert.Throws<ImapParseException>(() => Parse("t FETCH 1 BINARY[1.MIME]\r\n"));
        Assert.Throws<ImapParseException>(() => Parse("t FETCH 1 BINARY.SIZE[1]<0.5>\r\n"));

        var key = Args<SearchArguments>("t SEARCH SAVEDSINCE 1-Feb-2026 SAVEDATESUPPORTED\r\n").Key;
        Assert.Equal(new SearchAnd([new SearchSavedDate(SearchDateComparison.Since, new DateOnly(2026, 2, 1)), SearchAll.Instance]), key,
            EqualityComparer<SearchKey>.Create((a, b) => a is SearchAnd x && b is SearchAnd y ? x.Keys.SequenceEqual(y.Keys) : Equals(a, b)));
    }

    [Fact]
    public void Append_takes_a_literal8_message()
    {
        var frame = Frame("t APPEND INBOX (\\Seen) ~{3}\r\nabc\r\n");
        var args = (AppendArguments)ImapCommandParser.Parse(frame).Arguments;
        Assert.Equal("abc", System.Text.Encoding.ASCII.GetString(args.Message.Data.Span));
    }
}
