using Serverless.Protocols.Imap;
using Xunit;
using static Serverless.Protocols.Tests.Imap.FrameHelper;

namespace Serverless.Protocols.Tests.Imap;

public sealed class ImapSortParserTests
{
    [Fact]
    public void Reads_criteria_charset_and_search_keys()
    {
        var args = Args<SortArguments>("a SORT (REVERSE DATE subject DISPLAYFROM) UTF-8 SEEN FROM x\r\n");
        Assert.Equal([new SortCriterion("DATE", true), new SortCriterion("SUBJECT", false), new SortCriterion("DISPLAYFROM", false)], args.Criteria);
        Assert.Equal("UTF-8", args.Charset);
        Assert.IsType<SearchAnd>(args.Key);
        var uid = Parse("a UID SORT (ARRIVAL) \"US-ASCII\" ALL\r\n");
        Assert.True(uid.Uid);
        Assert.Equal("SORT", uid.Name);
    }

    [Theory]
    [InlineData("a SORT (FOO) UTF-8 ALL", "Unknown sort key FOO")]
    [InlineData("a SORT (REVERSE) UTF-8 ALL", "Missing argument")]
    [InlineData("a SORT () UTF-8 ALL", null)]
    [InlineData("a SORT DATE UTF-8 ALL", null)]
    [InlineData("a SORT (DATE) UTF-8", null)]
    [InlineData("a SORT (DATE)", null)]
    public void Malformed_sort_is_a_parse_error(string line, string? message)
    {
        var e = Assert.Throws<ImapParseException>(() => Parse(line + "\r\n"));
        if (message is not null)
        {
            Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
        }
    }
}
