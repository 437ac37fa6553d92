using Serverless.Protocols.Imap;
using Xunit;
using static Serverless.Protocols.Tests.Imap.FrameHelper;

namespace Serverless.Protocols.Tests.Imap;

public sealed class ImapThreadParserTests
{
    [Fact]
    public void Reads_algorithm_charset_and_search_keys()
    {
        Assert.Equal(new ThreadArguments("REFERENCES", "UTF-8", SearchAll.Instance), Args<ThreadArguments>("a THREAD references UTF-8 ALL\r\n"));
        Assert.Equal("ORDEREDSUBJECT", Args<ThreadArguments>("a UID THREAD ORDEREDSUBJECT US-ASCII UNSEEN\r\n").Algorithm);
    }

    [Fact]
    public void Unknown_algorithm_or_missing_criteria_is_a_parse_error()
    {
        Assert.Equal("Unknown threading algorithm REFS", Assert.Throws<ImapParseException>(() => Parse("a THREAD REFS UTF-8 ALL\r\n")).Message);
        Assert.Throws<ImapParseException>(() => Parse("a THREAD REFERENCES UTF-8\r\n"));
    }
}
