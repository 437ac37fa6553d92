using Serverless.Protocols.Imap;
using Xunit;
using static Serverless.Protocols.Tests.Imap.FrameHelper;

namespace Serverless.Protocols.Tests.Imap;

/// <summary>RFC 4731 SEARCH RETURN options and the ESEARCH response.</summary>
public sealed class ImapEsearchResponseTests
{
    [Fact]
    public void Return_options_are_parsed_and_an_empty_list_means_all()
    {
        Assert.Equal(["MIN", "COUNT"], Args<SearchArguments>("a SEARCH RETURN (min COUNT min) ALL\r\n").Return);
        Assert.Equal(["ALL"], Args<SearchArguments>("a SEARCH RETURN () CHARSET UTF-8 SEEN\r\n").Return);
        Assert.Null(Args<SearchArguments>("a SEARCH ALL\r\n").Return);
        Assert.Equal("Unknown RETURN option NEWEST", Assert.Throws<ImapParseException>(() => Parse("a SEARCH RETURN (NEWEST) ALL\r\n")).Message); // SAVE is RFC 5182's now
    }

    [Fact]
    public void Formats_min_max_count_all_and_uid()
    {
        Assert.Equal("* ESEARCH (TAG \"a1\") UID MIN 2 MAX 9 COUNT 4 ALL 2:4,9", ImapEsearchResponse.Format("a1", true, ["MIN", "MAX", "COUNT", "ALL"], [2, 3, 4, 9], null));
        Assert.Equal("* ESEARCH (TAG \"a2\") COUNT 1 MODSEQ 17", ImapEsearchResponse.Format("a2", false, ["COUNT"], [5], 17));
    }

    [Fact]
    public void Nothing_matched_leaves_out_min_max_all_but_not_count()
    {
        Assert.Equal("* ESEARCH (TAG \"a\") UID COUNT 0", ImapEsearchResponse.Format("a", true, ["MIN", "MAX", "COUNT", "ALL"], [], 3));
        Assert.Equal("* ESEARCH (TAG \"a\")", ImapEsearchResponse.Format("a", false, ["ALL"], [], null));
    }

    [Fact]
    public void Context_return_options_partial_update_and_cancelupdate_are_parsed()
    {
        var search = Args<SearchArguments>("a SEARCH RETURN (UPDATE PARTIAL 9:3 CONTEXT) SEEN\r\n");
        Assert.Equal(["UPDATE", "PARTIAL"], search.Return);
        Assert.Equal(new PartialRange(3, 9), search.Partial);
        Assert.Equal(["ALL"], Args<SearchArguments>("a SEARCH RETURN (CONTEXT) SEEN\r\n").Return);
        var sort = Args<SortArguments>("a SORT RETURN (MIN ALL) (REVERSE DATE) UTF-8 ALL\r\n");
        Assert.Equal(["MIN", "ALL"], sort.Return);
        Assert.Null(Args<SortArguments>("a SORT (DATE) UTF-8 ALL\r\n").Return);
        foreach (var bad in new[] { "(PARTIAL 1)", "(PARTIAL 1:*)", "(PARTIAL 0:4)", "(PARTIAL -1:4)", "(ALL PARTIAL 1:2)" })
        {
            Assert.Throws<ImapParseException>(() => Parse($"a SEARCH RETURN {bad} ALL\r\n"));
        }
        Assert.Equal(["a1", "b 2"], Args<CancelUpdateArguments>("x CANCELUPDATE \"a1\" \"b 2\"\r\n").Tags);
    }

    [Fact]
    public void Partial_results_and_sort_order_are_formatted()
    {
        Assert.Equal("* ESEARCH (TAG \"a\") PARTIAL (2:4 3:4,2)", ImapEsearchResponse.Format("a", false, ["PARTIAL"], [5, 3, 4, 2, 1], null, new PartialRange(2, 4)));
        Assert.Equal("* ESEARCH (TAG \"a\") UID PARTIAL (6:9 NIL)", ImapEsearchResponse.Format("a", true, ["PARTIAL"], [5, 3], null, new PartialRange(6, 9)));
        Assert.Equal("* ESEARCH (TAG \"a\") MIN 5 MAX 1 ALL 5,3:4,2,1", ImapEsearchResponse.Format("a", false, ["MIN", "MAX", "ALL"], [5, 3, 4, 2, 1], null));
        Assert.Equal("* ESEARCH (TAG \"a\")", ImapEsearchResponse.Format("a", false, ["UPDATE"], [1, 2], null));
    }
}
