using System.Text;
using Serverless.Protocols.Imap;
using Xunit;

namespace Serverless.Protocols.Tests.Imap;

public sealed class ImapPrimitivesTests
{
    [Theory]
    [InlineData("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-")] // RFC 3501 5.1.3
    [InlineData("Entwürfe", "Entw&APw-rfe")]
    [InlineData("A&B", "A&-B")]
    [InlineData("plain", "plain")]
    [InlineData("📧 Mail", "&2D3c5w- Mail")]
    public void Modified_utf7_round_trips(string name, string wire)
    {
        Assert.Equal(wire, ImapMailboxName.EncodeModifiedUtf7(name));
        Assert.Equal(name, ImapMailboxName.DecodeModifiedUtf7(wire));
    }

    [Theory]
    [InlineData("&")]
    [InlineData("&AGE-")] // encodes printable ASCII "a"
    [InlineData("&U,BTF-")] // odd number of bytes
    [InlineData("&Jjo=-")]
    [InlineData("&2D0-")] // a lone surrogate
    public void Malformed_modified_utf7_is_rejected(string wire) => Assert.Null(ImapMailboxName.DecodeModifiedUtf7(wire));

    [Fact]
    public void Sequence_sets_resolve_star_and_reversed_ranges()
    {
        var set = SequenceSet.Parse("7:5,1,10:*,3");
        Assert.Equal([(1L, 1L), (3L, 3L), (5L, 7L), (10L, 12L)], set.Resolve(12));
        Assert.Equal([(1L, 1L), (3L, 3L), (5L, 10L)], set.Resolve(8)); // 10:* is 8:10 when * is 8
        Assert.True(set.Contains(11, 12));
        Assert.False(set.Contains(9, 12));
        Assert.Empty(SequenceSet.Parse("*").Resolve(0));
        Assert.Equal("1:3,5,7:8", SequenceSet.Format([1, 2, 3, 5, 7, 8]));
        Assert.Equal("4,2:3", SequenceSet.Format([4, 2, 3]));
        Assert.Equal("7:5,1,10:*,3", set.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("1:")]
    [InlineData("4294967296")]
    [InlineData("1,,2")]
    [InlineData("1,$")] // "$" (RFC 5182) stands only alone
    [InlineData("$:3")]
    public void Bad_sequence_sets_are_refused(string text) => Assert.Throws<ImapParseException>(() => SequenceSet.Parse(text));

    [Theory]
    [InlineData("", "*", "a/b/c", true)]
    [InlineData("", "%", "a/b", false)]
    [InlineData("", "%", "a", true)]
    [InlineData("", "a/%", "a/b", true)]
    [InlineData("", "a/%", "a/b/c", false)]
    [InlineData("a", "%", "a/b", true)]
    [InlineData("a/", "*", "a/b/c", true)]
    [InlineData("", "inbox", "INBOX", true)]
    [InlineData("", "Inbox/%", "INBOX/x", true)]
    [InlineData("", "*b*", "abc", true)]
    [InlineData("", "S%t", "Sent", true)]
    [InlineData("", "S%t", "S/t", false)]
    public void List_patterns(string reference, string pattern, string name, bool matches) =>
        Assert.Equal(matches, new ImapListPattern(reference, pattern).Matches(name));

    [Fact]
    public void A_wildcard_heavy_pattern_on_a_long_name_is_still_fast()
    {
        var pattern = new ImapListPattern("", string.Concat(Enumerable.Repeat("*a", 30)) + "b");
        Assert.False(pattern.Matches(new string('a', 5000)));
    }

    [Fact]
    public void Header_fields_keep_continuation_lines_and_end_with_the_blank_line()
    {
        var header = Encoding.ASCII.GetBytes("From: a@b\r\nSubject: one\r\n two\r\nTo: c@d\r\nsubject: again\r\n\r\n");
        Assert.Equal("Subject: one\r\n two\r\nsubject: again\r\n\r\n", Encoding.ASCII.GetString(ImapHeaderFields.Filter(header, ["SUBJECT"], exclude: false)));
        Assert.Equal("From: a@b\r\nTo: c@d\r\n\r\n", Encoding.ASCII.GetString(ImapHeaderFields.Filter(header, ["Subject"], exclude: true)));
        Assert.Equal("\r\n", Encoding.ASCII.GetString(ImapHeaderFields.Filter(header, ["X-None"], exclude: false)));
        Assert.Equal(["one two", "again"], ImapHeaderFields.Values(header, "subject"));
    }

    [Fact]
    public void Dates_parse_and_format()
    {
        Assert.Equal(new DateTimeOffset(1994, 2, 7, 21, 52, 25, TimeSpan.FromHours(-8)), ImapDateTime.ParseDateTime(" 7-Feb-1994 21:52:25 -0800"));
        Assert.Equal(new DateTimeOffset(2020, 12, 17, 1, 2, 3, TimeSpan.FromMinutes(330)), ImapDateTime.ParseDateTime("17-Dec-2020 01:02:03 +0530"));
        Assert.Equal("07-Feb-1994 21:52:25 -0800", ImapDateTime.Format(new DateTimeOffset(1994, 2, 7, 21, 52, 25, TimeSpan.FromHours(-8))));
        Assert.Equal(new DateOnly(1994, 2, 1), ImapDateTime.ParseDate("1-feb-1994"));
        Assert.Throws<ImapParseException>(() => ImapDateTime.ParseDateTime("7-Feb-1994 21:52:25"));
        Assert.Throws<ImapParseException>(() => ImapDateTime.ParseDate("30-Feb-1994"));
    }
}
