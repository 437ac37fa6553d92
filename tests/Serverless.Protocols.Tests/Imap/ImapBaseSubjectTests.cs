using Serverless.Protocols.Imap;
using Xunit;

namespace Serverless.Protocols.Tests.Imap;

/// <summary>RFC 5256 2.1 base subject rules, one per case.</summary>
public sealed class ImapBaseSubjectTests
{
    [Theory]
    [InlineData("Hello", "HELLO", false)]
    [InlineData("Re: Hello", "HELLO", true)]
    [InlineData("RE:Hello", "HELLO", true)]
    [InlineData("Fw: Hello", "HELLO", true)]
    [InlineData("FWD: Hello", "HELLO", true)]
    [InlineData("Re[2]: Hello", "HELLO", true)]
    [InlineData("Re: Re: Fwd: Hello", "HELLO", true)]
    [InlineData("Hello (fwd)", "HELLO", true)]
    [InlineData("Hello (fwd) (FWD)  ", "HELLO", true)]
    [InlineData("[list] Hello", "HELLO", false)]
    [InlineData("[list] Re: Hello", "HELLO", true)]
    [InlineData("RE: [list] Re: hello (fwd)", "HELLO", true)]
    [InlineData("[list]", "[LIST]", false)]
    [InlineData("[fwd: Hello world]", "HELLO WORLD", true)]
    [InlineData("[Fwd: Re: [list] Hello]", "HELLO", true)]
    [InlineData("  Re:   spaced\t out  ", "SPACED OUT", true)]
    [InlineData("Reply to all", "REPLY TO ALL", false)]
    [InlineData("Re:", "", true)]
    [InlineData("", "", false)]
    [InlineData(null, "", false)]
    public void Extracts_the_base_subject(string? subject, string key, bool replyOrForward)
    {
        Assert.Equal((key, replyOrForward), ImapBaseSubject.Extract(subject));
    }

    [Fact]
    public void Decodes_encoded_words_before_stripping()
    {
        Assert.Equal(("GRÜßE AUS BERLIN", true), ImapBaseSubject.Extract("Re: =?utf-8?b?R3LDvMOfZSBhdXMgQmVybGlu?="));
        Assert.Equal(("HELLO", true), ImapBaseSubject.Extract("=?us-ascii?q?Re=3A_Hello?="));
        Assert.Equal(ImapBaseSubject.Extract("café").Key, ImapBaseSubject.Extract("=?iso-8859-1?q?CAF=C9?=").Key);
    }
}
