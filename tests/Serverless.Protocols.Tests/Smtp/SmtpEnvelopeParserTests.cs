using Serverless.Protocols.Smtp;
using Xunit;

namespace Serverless.Protocols.Tests.Smtp;

public sealed class SmtpEnvelopeParserTests
{
    [Fact]
    public void Parses_mail_from_with_every_parameter()
    {
        var r = SmtpEnvelopeParser.ParseMailFrom("FROM:<a.b@example.org> SIZE=1234 BODY=8bitmime SMTPUTF8 RET=hdrs ENVID=QQ+2B1 AUTH=<>");
        Assert.True(r.Ok, r.Error?.ToString());
        var m = r.Value!;
        Assert.Equal("a.b@example.org", m.ReversePath.Address);
        Assert.Equal(1234, m.Size);
        Assert.Equal("8BITMIME", m.Body);
        Assert.True(m.SmtpUtf8);
        Assert.Equal("HDRS", m.Ret);
        Assert.Equal("QQ+1", m.EnvelopeId);
        Assert.Equal("<>", m.Auth);
    }

    [Fact]
    public void Accepts_the_null_sender_and_a_space_after_the_colon()
    {
        Assert.True(SmtpEnvelopeParser.ParseMailFrom("FROM:<>").Value!.ReversePath.IsNull);
        Assert.Equal("x@example.org", SmtpEnvelopeParser.ParseMailFrom("from: <x@example.org>").Value!.ReversePath.Address);
    }

    [Theory]
    [InlineData("FROM:x@example.org", 501, "5.1.3")]
    [InlineData("FROM:<x@example.org", 501, "5.1.3")]
    [InlineData("FROM:<x@@example.org>", 501, "5.1.3")]
    [InlineData("FROM:<.x@example.org>", 501, "5.1.3")]
    [InlineData("FROM:<x..y@example.org>", 501, "5.1.3")]
    [InlineData("FROM:<x@-bad.example>", 501, "5.1.3")]
    [InlineData("FROM:<x@example.org> FOO=BAR", 555, "5.5.4")]
    [InlineData("FROM:<x@example.org> BODY=BINARYMIME", 555, "5.5.4")]
    [InlineData("FROM:<x@example.org> SIZE=12a", 501, "5.5.4")]
    [InlineData("FROM:<x@example.org> SIZE=1 SIZE=2", 501, "5.5.4")]
    [InlineData("FROM:<x@example.org> SMTPUTF8=yes", 501, "5.5.4")]
    [InlineData("FROM:<x@example.org> ENVID=a+zz", 501, "5.5.4")]
    [InlineData("FROM:<x@example.org>SIZE=1", 501, "5.5.4")]
    [InlineData("TO:<x@example.org>", 501, "5.5.4")]
    public void Refuses_bad_mail_from(string argument, int code, string enhanced)
    {
        var r = SmtpEnvelopeParser.ParseMailFrom(argument);
        Assert.False(r.Ok);
        Assert.Equal(code, r.Error!.Code);
        Assert.Equal(enhanced, r.Error.Enhanced);
    }

    [Fact]
    public void Parses_rcpt_with_dsn_parameters()
    {
        var r = SmtpEnvelopeParser.ParseRcptTo("TO:<user@example.com> NOTIFY=success,failure ORCPT=rfc822;user+2Bx@example.com");
        Assert.True(r.Ok, r.Error?.ToString());
        Assert.Equal("SUCCESS,FAILURE", r.Value!.Notify);
        Assert.Equal("rfc822;user+x@example.com", r.Value.OriginalRecipient);
    }

    [Theory]
    [InlineData("TO:<a@example.com> NOTIFY=NEVER,SUCCESS")]
    [InlineData("TO:<a@example.com> NOTIFY=SOMETIMES")]
    [InlineData("TO:<a@example.com> ORCPT=nosemicolon")]
    [InlineData("TO:<>")]
    public void Refuses_bad_rcpt(string argument) => Assert.False(SmtpEnvelopeParser.ParseRcptTo(argument).Ok);

    [Fact]
    public void Accepts_bare_postmaster_source_routes_quoted_and_literal_addresses()
    {
        Assert.True(SmtpEnvelopeParser.ParseRcptTo("TO:<Postmaster>").Value!.ForwardPath.IsBarePostmaster);
        Assert.Equal("user@example.com", SmtpEnvelopeParser.ParseRcptTo("TO:<@relay.example,@other.example:user@example.com>").Value!.ForwardPath.Address);
        Assert.Equal("john.doe@example.com", SmtpEnvelopeParser.ParseRcptTo("TO:<\"john.doe\"@example.com>").Value!.ForwardPath.Address);
        Assert.Equal("\"john doe\"@example.com", SmtpEnvelopeParser.ParseRcptTo("TO:<\"john doe\"@example.com>").Value!.ForwardPath.Address);
        Assert.True(SmtpEnvelopeParser.ParseRcptTo("TO:<x@[192.0.2.1]>").Value!.ForwardPath.IsAddressLiteral);
        Assert.True(SmtpEnvelopeParser.ParseRcptTo("TO:<x@[IPv6:2001:db8::1]>").Ok);
        Assert.False(SmtpEnvelopeParser.ParseRcptTo("TO:<x@[300.1.1.1]>").Ok);
    }

    [Fact]
    public void Utf8_addresses_parse_and_are_flagged_as_needing_smtputf8()
    {
        var r = SmtpEnvelopeParser.ParseRcptTo("TO:<δοκιμή@παράδειγμα.δοκιμή>");
        Assert.True(r.Ok, r.Error?.ToString());
        Assert.False(r.Value!.ForwardPath.IsAscii);
        Assert.True(SmtpEnvelopeParser.ParseRcptTo("TO:<ascii@example.com>").Value!.ForwardPath.IsAscii);
    }

    [Fact]
    public void Xtext_round_trips()
    {
        Assert.Equal("a+b=c d", XText.TryDecode(XText.Encode("a+b=c d"), out var d) ? d : null);
        Assert.Equal("a+2Bb+3Dc+20d", XText.Encode("a+b=c d"));
        Assert.False(XText.TryDecode("a+2b", out _));
    }
}
