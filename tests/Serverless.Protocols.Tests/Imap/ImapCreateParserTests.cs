using Serverless.Protocols.Imap;
using Xunit;
using static Serverless.Protocols.Tests.Imap.FrameHelper;

namespace Serverless.Protocols.Tests.Imap;

public sealed class ImapCreateParserTests
{
    [Fact]
    public void Reads_the_name_and_the_use_attributes()
    {
        Assert.Empty(Args<CreateArguments>("a CREATE Work\r\n").Uses);
        Assert.Equal(["\\Drafts", "\\Sent"], Args<CreateArguments>("a CREATE \"My Drafts\" (use (\\Drafts \\Sent))\r\n").Uses);
        Assert.Empty(Args<CreateArguments>("a CREATE x (USE ())\r\n").Uses);
    }

    [Theory]
    [InlineData("a CREATE x (COLOR (red))")]
    [InlineData("a CREATE x (USE (Drafts))")]
    [InlineData("a CREATE x (USE \\Drafts)")]
    [InlineData("a CREATE x (USE (\\Drafts)")]
    public void Malformed_create_parameters_are_a_parse_error(string line) =>
        Assert.Throws<ImapParseException>(() => Parse(line + "\r\n"));
}
