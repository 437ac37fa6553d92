using System.Text;
using Serverless.Protocols.Smtp;
using Xunit;

namespace Serverless.Protocols.Tests.Smtp;

public sealed class SmtpCommandParserTests
{
    [Theory]
    [InlineData("EHLO client.example", SmtpVerb.Ehlo, "client.example")]
    [InlineData("ehlo client.example", SmtpVerb.Ehlo, "client.example")]
    [InlineData("QUIT", SmtpVerb.Quit, "")]
    [InlineData("StartTLS", SmtpVerb.StartTls, "")]
    [InlineData("BDAT 100 LAST", SmtpVerb.Bdat, "100 LAST")]
    [InlineData("XYZZY something", SmtpVerb.Unknown, "something")]
    public void Splits_verb_and_argument_case_insensitively(string line, SmtpVerb verb, string argument)
    {
        var r = SmtpCommandParser.Parse(Encoding.UTF8.GetBytes(line));
        Assert.True(r.Ok);
        Assert.Equal(verb, r.Value.Verb);
        Assert.Equal(argument, r.Value.Argument);
    }

    [Fact]
    public void Refuses_invalid_utf8_and_control_characters()
    {
        var bad = SmtpCommandParser.Parse([(byte)'M', 0xC3, 0x28]);
        Assert.Equal(500, bad.Error!.Code);
        Assert.Equal("5.5.2", bad.Error.Enhanced);
        Assert.Equal(500, SmtpCommandParser.Parse("NOOP\0x"u8).Error!.Code);
        Assert.Equal(500, SmtpCommandParser.Parse(""u8).Error!.Code);
    }

    [Theory]
    [InlineData("100", 100, false)]
    [InlineData("0 LAST", 0, true)]
    [InlineData("5 last", 5, true)]
    public void Parses_bdat(string argument, long size, bool last)
    {
        var r = SmtpCommandParser.ParseBdat(argument);
        Assert.True(r.Ok);
        Assert.Equal((size, last), r.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("10 FIRST")]
    [InlineData("abc")]
    [InlineData("1 LAST extra")]
    public void Refuses_bad_bdat(string argument) => Assert.Equal(501, SmtpCommandParser.ParseBdat(argument).Error!.Code);

    [Fact]
    public void Parses_auth_with_and_without_initial_response()
    {
        Assert.Equal(("PLAIN", "AGZvbwBiYXI="), SmtpCommandParser.ParseAuth("plain AGZvbwBiYXI=").Value);
        Assert.Equal(("LOGIN", (string?)null), SmtpCommandParser.ParseAuth("LOGIN").Value);
        Assert.False(SmtpCommandParser.ParseAuth("").Ok);
    }

    [Fact]
    public void Hello_domain_takes_the_first_token()
    {
        Assert.Equal("client.example", SmtpCommandParser.ParseHelloDomain("client.example extra").Value);
        Assert.Equal("[192.0.2.1]", SmtpCommandParser.ParseHelloDomain("[192.0.2.1]").Value);
        Assert.Equal(501, SmtpCommandParser.ParseHelloDomain("  ").Error!.Code);
    }
}
