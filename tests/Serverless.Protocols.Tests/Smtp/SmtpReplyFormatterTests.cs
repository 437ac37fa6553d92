using Serverless.Protocols.Smtp;
using Xunit;

namespace Serverless.Protocols.Tests.Smtp;

public sealed class SmtpReplyFormatterTests
{
    [Fact]
    public void Formats_single_and_multi_line_replies_with_enhanced_codes()
    {
        Assert.Equal("250 2.1.0 OK\r\n", SmtpReply.Of(250, "2.1.0", "OK").ToString());
        Assert.Equal("250-2.0.0 a\r\n250-2.0.0 b\r\n250 2.0.0 c\r\n", new SmtpReply(250, "2.0.0", ["a", "b", "c"]).ToString());
        Assert.Equal("220 mail.test ESMTP\r\n", SmtpReply.Greeting("mail.test ESMTP").ToString());
    }

    [Fact]
    public void Never_lets_a_line_break_from_echoed_input_through()
    {
        var text = SmtpReply.Of(501, "5.5.4", "bad <x\r\n250 forged>").ToString();
        Assert.Equal("501 5.5.4 bad <x  250 forged>\r\n", text);
    }
}
