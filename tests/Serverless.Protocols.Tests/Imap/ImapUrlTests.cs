using System.Buffers;
using System.Text;
using Serverless.Protocols.Imap;
using Xunit;
using static Serverless.Protocols.Tests.Imap.FrameHelper;

namespace Serverless.Protocols.Tests.Imap;

/// <summary>IMAP URLs (RFC 5092) and the CATENATE (RFC 4469) and URLAUTH (RFC 4467, RFC 5524) command grammar.</summary>
public sealed class ImapUrlTests
{
    [Fact]
    public void A_relative_url_names_mailbox_uidvalidity_uid_section_and_partial()
    {
        var url = ImapUrl.TryParse("/Sent%20Items/2024;UIDVALIDITY=77/;UID=5/;SECTION=HEADER.FIELDS%20(FROM%20TO)/;PARTIAL=10.20")!;
        Assert.False(url.IsAbsolute);
        Assert.Equal("Sent Items/2024", url.Mailbox);
        Assert.Equal(77, url.UidValidity);
        Assert.Equal(5, url.Uid);
        Assert.Equal(SectionText.HeaderFields, url.Section.Text);
        Assert.Equal(["FROM", "TO"], url.Section.Fields);
        Assert.Equal((10L, 20L), (url.PartialOffset!.Value, url.PartialLength!.Value));
        Assert.Equal([1, 2], ImapUrl.TryParse("/INBOX/;uid=1/;section=1.2")!.Section.Part);
        Assert.Null(ImapUrl.TryParse("/INBOX/;uid=1")!.SectionText);
    }

    [Fact]
    public void An_absolute_urlauth_url_keeps_its_rump_for_the_verifier()
    {
        const string rump = "imap://joe@example.com/INBOX/;uid=20/;section=1.2;expire=2030-01-01T00:00:00Z;urlauth=submit+fred";
        var url = ImapUrl.TryParse(rump + ":internal:91354a473744909de610943775f92038")!;
        Assert.Equal(("joe", "example.com"), (url.User, url.Host));
        Assert.Equal(rump, url.Rump);
        Assert.Equal("submit+fred", url.Access);
        Assert.Equal(("internal", "91354a473744909de610943775f92038"), (url.Mechanism, url.Token));
        Assert.Equal(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), url.Expire);
        var bare = ImapUrl.TryParse("imap://joe%40example.com;AUTH=*@imap.example.com:993/INBOX/;uid=20;urlauth=authuser")!;
        Assert.Equal(("joe@example.com", "imap.example.com"), (bare.User, bare.Host));
        Assert.Null(bare.Mechanism);
    }

    [Theory]
    [InlineData("INBOX/;uid=1")]                                  // neither absolute nor relative
    [InlineData("/INBOX")]                                         // no message
    [InlineData("/INBOX/;uid=0")]
    [InlineData("/INBOX/;uid=1/;section=BOGUS")]
    [InlineData("/INBOX;foo=1/;uid=1")]
    [InlineData("imap://u@h/INBOX/;uid=1;urlauth=nobody")]          // unknown access identifier
    [InlineData("imap://u@h/INBOX/;uid=1;urlauth=authuser:internal:abc")] // verifier too short
    [InlineData("imap://u@h/INBOX/;uid=1;urlauth=authuser:internal:0123456789abcdef0123456789abcdef;uid=2")]
    public void Anything_else_is_not_a_url(string text) => Assert.Null(ImapUrl.TryParse(text));

    [Fact]
    public void Catenate_parts_are_text_literals_and_urls_and_mix_with_multiappend()
    {
        var args = Args<AppendArguments>("t APPEND Drafts (\\Seen) CATENATE (URL \"/INBOX/;uid=1/;section=HEADER\" TEXT {3+}\r\nabc URL /INBOX/;uid=2) {1+}\r\nz CATENATE (TEXT ~{2+}\r\nxy)\r\n");
        Assert.Equal(3, args.Parts.Count);
        Assert.Equal(["\\Seen"], args.Parts[0].Flags);
        var cat = args.Parts[0].Catenate!;
        Assert.Equal(["/INBOX/;uid=1/;section=HEADER", null, "/INBOX/;uid=2"], cat.Select(c => c.Url));
        Assert.Equal("abc", Encoding.ASCII.GetString(cat[1].Text!.Data.Span));
        Assert.Null(args.Parts[1].Catenate);
        Assert.Equal("xy", Encoding.ASCII.GetString(args.Parts[2].Catenate![0].Text!.Data.Span));
        Assert.Throws<ImapParseException>(() => Args<AppendArguments>("t APPEND Drafts CATENATE (FOO \"x\")\r\n"));
        Assert.Throws<ImapParseException>(() => Args<AppendArguments>("t APPEND Drafts CATENATE ()\r\n"));
    }

    [Fact]
    public void The_prefix_of_a_catenate_text_literal_says_so_and_a_url_literal_is_no_message()
    {
        var prefix = ImapCommandParser.TryParseAppendPrefix(Announced("t APPEND INBOX (\\Draft) CATENATE (URL \"/INBOX/;uid=1\" TEXT {2}\r\n"));
        Assert.Equal(("INBOX", "\\Draft", true), (prefix!.Value.Mailbox, prefix.Value.Flags.Single(), prefix.Value.Catenate));

        Assert.Null(ImapCommandParser.TryParseAppendPrefix(Announced("t APPEND INBOX CATENATE (URL {13}\r\n")));
        Assert.False(ImapCommandParser.TryParseAppendPrefix(Announced("t APPEND INBOX CATENATE (TEXT {1+}\r\nx) {5}\r\n"))!.Value.Catenate);
        Assert.True(ImapCommandParser.TryParseAppendPrefix(Announced("t APPEND INBOX {1+}\r\nx CATENATE (URL \"/a/;uid=1\" TEXT {5}\r\n"))!.Value.Catenate);
    }

    /// <summary>The command so far when its last literal is announced (earlier literals accepted).</summary>
    private static IReadOnlyList<ImapFrameSegment> Announced(string text)
    {
        var framer = new ImapCommandFramer();
        var input = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text));
        while (true)
        {
            Assert.Equal(ImapFrameStatus.LiteralAnnounced, framer.Process(input, out var consumed));
            input = input.Slice(consumed);
            if (input.IsEmpty)
            {
                return framer.Partial;
            }
            framer.AcceptLiteral();
        }
    }

    [Fact]
    public void Genurlauth_resetkey_and_urlfetch_with_binary_parameters()
    {
        var gen = Args<GenUrlAuthArguments>("t GENURLAUTH \"imap://a@b/INBOX/;uid=1;urlauth=authuser\" internal {4+}\r\nrump INTERNAL\r\n");
        Assert.Equal([("imap://a@b/INBOX/;uid=1;urlauth=authuser", "INTERNAL"), ("rump", "INTERNAL")], gen.Urls);
        Assert.Null(Args<ResetKeyArguments>("t RESETKEY\r\n").Mailbox);
        var reset = Args<ResetKeyArguments>("t RESETKEY Drafts INTERNAL\r\n");
        Assert.Equal(("Drafts", "INTERNAL"), (reset.Mailbox, reset.Mechanisms.Single()));
        var fetch = Args<UrlFetchArguments>("t URLFETCH \"u1\" (\"u2\" binary BODYPARTSTRUCTURE) (u3 BODY)\r\n");
        Assert.Equal(new UrlFetchRequest("u1", false, true, false, false), fetch.Urls[0]);
        Assert.Equal(new UrlFetchRequest("u2", true, false, true, true), fetch.Urls[1]);
        Assert.Equal(new UrlFetchRequest("u3", true, true, false, false), fetch.Urls[2]);
        Assert.Throws<ImapParseException>(() => Args<UrlFetchArguments>("t URLFETCH (u BODY BINARY)\r\n"));
        Assert.Throws<ImapParseException>(() => Args<UrlFetchArguments>("t URLFETCH (u)\r\n"));
    }
}
