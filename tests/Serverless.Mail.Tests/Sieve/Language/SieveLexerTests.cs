using Serverless.Mail.Sieve.Language;
using Xunit;

namespace Serverless.Mail.Tests.Sieve.Language;

public sealed class SieveLexerTests
{
    [Fact]
    public void Tokens_carry_their_kind_value_and_line()
    {
        var tokens = SieveLexer.Tokenize("if header :Contains \"Subject\" [\"a\", \"b\"] { size :over 10K; }\r\n# c\n/* x\ny */ stop;");
        Assert.Equal(
            [SieveTokenKind.Identifier, SieveTokenKind.Identifier, SieveTokenKind.Tag, SieveTokenKind.String, SieveTokenKind.LeftBracket, SieveTokenKind.String,
             SieveTokenKind.Comma, SieveTokenKind.String, SieveTokenKind.RightBracket, SieveTokenKind.LeftBrace, SieveTokenKind.Identifier, SieveTokenKind.Tag,
             SieveTokenKind.Number, SieveTokenKind.Semicolon, SieveTokenKind.RightBrace, SieveTokenKind.Identifier, SieveTokenKind.Semicolon, SieveTokenKind.End],
            tokens.Select(t => t.Kind));
        Assert.Equal("contains", tokens[2].Text);
        Assert.Equal(10 * 1024, tokens[12].Number);
        Assert.Equal(4, tokens[15].Line); // after a hash comment and a two-line bracket comment
    }

    [Fact]
    public void Quoted_strings_unescape_backslashes_and_undefined_escapes_drop_the_backslash()
    {
        var t = Assert.Single(SieveLexer.Tokenize("\"a\\\"b\\\\c\\d\""), t => t.Kind == SieveTokenKind.String);
        Assert.Equal("a\"b\\cd", t.Text);
    }

    [Fact]
    public void Multi_line_strings_end_at_a_lone_dot_and_unstuff_leading_dots()
    {
        var t = SieveLexer.Tokenize("text: # comment\r\nHello\n..dot\n.\n;")[0];
        Assert.Equal((SieveTokenKind.String, "Hello\r\n.dot\r\n"), (t.Kind, t.Text));
    }

    [Theory]
    [InlineData("\"open", 1, "unterminated string")]
    [InlineData("keep;\n/* open", 2, "unterminated /* comment")]
    [InlineData("text:\nno end", 1, "multi-line string not ended")]
    [InlineData("keep;\n\n @", 3, "unexpected character '@'")]
    [InlineData("size :over 99999999999;", 1, "number too large")]
    public void Lexical_errors_name_the_line(string script, int line, string reason)
    {
        var e = Assert.Throws<SieveSyntaxException>(() => SieveLexer.Tokenize(script));
        Assert.Equal(line, e.Line);
        Assert.Contains(reason, e.Reason, StringComparison.Ordinal);
    }
}
