using System.Text;
using Serverless.Protocols.Pop3;
using Xunit;

namespace Serverless.Protocols.Tests.Pop3;

public sealed class Pop3SaslPlainTests
{
    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    [Fact]
    public void Decodes_authorization_identity_user_and_password()
    {
        Assert.True(Pop3SaslPlain.TryDecode(B64("\0user@x.test\0pass word"), out var authz, out var authc, out var pass));
        Assert.Equal(("", "user@x.test", "pass word"), (authz, authc, pass));
        Assert.True(Pop3SaslPlain.TryDecode(B64("admin\0user@x.test\0pw"), out authz, out _, out _));
        Assert.Equal("admin", authz);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    public void Rejects_what_is_not_base64(string input) => Assert.False(Pop3SaslPlain.TryDecode(input, out _, out _, out _));

    [Theory]
    [InlineData("user\0pass")]
    [InlineData("\0\0pass")]
    [InlineData("\0user\0")]
    [InlineData("\0user\0pa\0ss")]
    public void Rejects_malformed_messages(string raw) => Assert.False(Pop3SaslPlain.TryDecode(B64(raw), out _, out _, out _));

    [Fact]
    public void Rejects_invalid_utf8() =>
        Assert.False(Pop3SaslPlain.TryDecode(Convert.ToBase64String([0, (byte)'u', 0, 0xC3, 0x28]), out _, out _, out _));
}
