using System.Text;
using Serverless.Protocols.Common;
using Xunit;

namespace Serverless.Protocols.Tests.Common;

public sealed class SaslDecoderTests
{
    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    [Fact]
    public void Decodes_authorization_identity_user_and_password()
    {
        Assert.Equal(SaslDecodeStatus.Ok, SaslDecoder.TryDecodePlain(B64("\0user@x.test\0pass word"), out var credentials));
        Assert.Equal(("", "user@x.test", "pass word"), (credentials!.AuthorizationId, credentials.AuthenticationId, credentials.Password));
        Assert.False(credentials.ActsForAnother);
        Assert.Equal(SaslDecodeStatus.Ok, SaslDecoder.TryDecodePlain(B64("admin\0user@x.test\0pw"), out credentials));
        Assert.Equal("admin", credentials!.AuthorizationId);
        Assert.True(credentials.ActsForAnother);
        Assert.Equal(SaslDecodeStatus.Ok, SaslDecoder.TryDecodePlain(B64("USER@x.test\0user@x.test\0pw"), out credentials));
        Assert.False(credentials!.ActsForAnother); // the same user, spelled otherwise
        Assert.DoesNotContain("pw", credentials.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("AHVzZXIAcGFzcw=")]
    public void Rejects_what_is_not_base64(string input) => Assert.Equal(SaslDecodeStatus.NotBase64, SaslDecoder.TryDecodePlain(input, out _));

    [Theory]
    [InlineData("")]
    [InlineData("user\0pass")]
    [InlineData("\0\0pass")]
    [InlineData("\0user\0")]
    [InlineData("\0user\0pa\0ss")]
    public void Rejects_malformed_messages(string raw) => Assert.Equal(SaslDecodeStatus.Malformed, SaslDecoder.TryDecodePlain(B64(raw), out _));

    [Fact]
    public void An_empty_response_is_a_malformed_plain_message() =>
        Assert.Equal(SaslDecodeStatus.Malformed, SaslDecoder.TryDecodePlain("=", out _));

    [Fact]
    public void Rejects_invalid_utf8() =>
        Assert.Equal(SaslDecodeStatus.NotUtf8, SaslDecoder.TryDecodePlain(Convert.ToBase64String([0, (byte)'u', 0, 0xC3, 0x28]), out _));

    [Fact]
    public void Sasl_plain_and_login_decoding()
    {
        Assert.Equal(SaslDecodeStatus.Ok, SaslDecoder.TryDecodePlain(Convert.ToBase64String("\0user@x\0pässword"u8.ToArray()), out var credentials));
        Assert.Equal(("", "user@x", "pässword"), (credentials!.AuthorizationId, credentials.AuthenticationId, credentials.Password));
        Assert.Equal(SaslDecodeStatus.Ok, SaslDecoder.TryDecodeLogin(B64("user@x"), out var user));
        Assert.Equal("user@x", user);
        Assert.Equal(SaslDecodeStatus.NotBase64, SaslDecoder.TryDecodeLogin("not base64!", out _));
        Assert.Equal(SaslDecodeStatus.NotUtf8, SaslDecoder.TryDecodeLogin(Convert.ToBase64String([0xC3, 0x28]), out _));
        Assert.Equal(SaslDecodeStatus.Ok, SaslDecoder.TryDecodeLogin("=", out var empty));
        Assert.Equal("", empty);
    }
}
