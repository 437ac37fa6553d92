using Serverless.Protocols.Imap;
using Xunit;

namespace Serverless.Protocols.Tests.Imap;

public sealed class ImapEncodedWordsTests
{
    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("=?utf-8?b?R3LDvMOfZSBhdXMgQmVybGlu?=", "Grüße aus Berlin")]
    [InlineData("=?UTF-8?Q?J=C3=B6rg_M?=", "Jörg M")]
    [InlineData("=?iso-8859-1?q?caf=E9?= =?iso-8859-1?q?_ole?=", "café ole")]
    [InlineData("x =?utf-8?q?y?= z", "x y z")]
    [InlineData("=?utf-8*en?q?hi?=", "hi")]
    [InlineData("=?x-unknown?q?hi?=", "=?x-unknown?q?hi?=")]
    [InlineData("=?utf-8?q?broken", "=?utf-8?q?broken")]
    [InlineData(null, "")]
    public void Decodes_rfc2047_words(string? raw, string decoded) => Assert.Equal(decoded, ImapEncodedWords.Decode(raw));
}
