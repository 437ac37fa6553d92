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
        Assert.Equal("Unknown RETURN option SAVE", Assert.Throws<ImapParseException>(() => Parse("a SEARCH RETURN (SAVE) ALL\r\n")).Message);
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
}
