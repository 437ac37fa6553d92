using System.Buffers;
using System.Text;
using Serverless.Protocols.ManageSieve;
using Xunit;

namespace Serverless.Protocols.Tests.ManageSieve;

public sealed class ManageSieveParserTests
{
    private static ManageSieveParse Parse(string text, out long consumed, int maxLine = 8192, long maxLiteral = 65536)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text));
        var result = ManageSieveParser.TryParse(buffer, maxLine, maxLiteral, out var position);
        consumed = buffer.Slice(0, position).Length;
        return result;
    }

    [Fact]
    public void A_command_with_quoted_literal_and_number_arguments_parses_and_consumes_exactly_itself()
    {
        const string text = "putScript \"a \\\"b\\\"\" {5+}\r\nkeep;\r\nNOOP\r\n";
        var result = Parse(text, out var consumed);
        Assert.Equal(ManageSieveParseStatus.Complete, result.Status);
        Assert.Equal("PUTSCRIPT", result.Command!.Name);
        Assert.Equal(["a \"b\"", "keep;"], result.Command.Arguments.Select(a => a.Text));
        Assert.True(result.Command.Arguments[1].WasLiteral);
        Assert.Equal(text.Length - "NOOP\r\n".Length, consumed);
        Assert.Equal(12345L, Parse("HAVESPACE \"x\" 12345\r\n", out _).Command!.Arguments[1].Number);
    }

    [Fact]
    public void Every_prefix_of_a_command_needs_more_data_and_never_a_wrong_answer()
    {
        const string text = "PUTSCRIPT \"n\" {12}\r\nif true {}\r\n\r\n";
        for (var i = 0; i < text.Length; i++)
        {
            Assert.Equal(ManageSieveParseStatus.NeedMore, Parse(text[..i], out _).Status);
        }
        Assert.Equal("if true {}\r\n", Parse(text, out _).Command!.Arguments[1].Text);
    }

    [Theory]
    [InlineData("NOOP x\r\n", "Expected a string or a number")]
    [InlineData("NOOP  \"x\"\r\n", "Expected a string or a number")]
    [InlineData("\r\n", "Expected a command name")]
    [InlineData("NOOP \"a\rb\"\r\n", "Line ends and NUL are not allowed in a quoted string (use a literal)")]
    [InlineData("NOOP {x}\r\n", "Malformed literal: expected {n+} and CRLF")]
    [InlineData("NOOP 99999999999\r\n", "Number too large")]
    [InlineData("NOOP\rX\r\n", "Bare CR in command")]
    public void Bad_syntax_is_invalid_and_the_rest_of_its_line_is_consumed(string text, string error)
    {
        var result = Parse(text + "NOOP\r\n", out var consumed);
        Assert.Equal(ManageSieveParseStatus.Invalid, result.Status);
        Assert.Equal(error, result.Error);
        Assert.Equal(text.Length, consumed);
    }

    [Fact]
    public void A_literal_over_the_limit_is_reported_before_its_data_arrives()
    {
        var result = Parse("PUTSCRIPT \"a\" {70000+}\r\n", out var consumed, maxLiteral: 65536);
        Assert.Equal(ManageSieveParseStatus.LiteralTooLarge, result.Status);
        Assert.Equal(70000, result.LiteralLength);
        Assert.Equal("PUTSCRIPT \"a\" {70000+}\r\n".Length, consumed);
    }

    [Fact]
    public void A_line_longer_than_the_limit_outside_literals_is_too_long_but_literals_do_not_count()
    {
        Assert.Equal(ManageSieveParseStatus.LineTooLong, Parse("NOOP " + new string('1', 100), out _, maxLine: 50).Status);
        Assert.Equal(ManageSieveParseStatus.Complete, Parse($"CHECKSCRIPT {{100+}}\r\n{new string('#', 100)}\r\n", out _, maxLine: 50).Status);
        // A malformed line past the limit is too long whether or not its LF has arrived (fuzz regression).
        Assert.Equal(ManageSieveParseStatus.LineTooLong, Parse("NOOP x" + new string('y', 100) + "\r\n", out _, maxLine: 50).Status);
        Assert.Equal(ManageSieveParseStatus.LineTooLong, Parse("NOOP x" + new string('y', 100), out _, maxLine: 50).Status);
    }

    [Fact]
    public void A_SASL_response_is_one_string_on_its_line()
    {
        var buffer = new ReadOnlySequence<byte>("{4+}\r\nAAAA\r\n"u8.ToArray());
        var result = ManageSieveParser.TryParseSaslResponse(buffer, 100, 100, out _);
        Assert.Equal("AAAA", result.Command!.Arguments.Single().Text);
        Assert.Equal("*", ManageSieveParser.TryParseSaslResponse(new ReadOnlySequence<byte>("\"*\"\r\n"u8.ToArray()), 100, 100, out _).Command!.Arguments[0].Text);
    }

    [Fact]
    public void Responses_quote_what_they_can_and_send_the_rest_as_literals()
    {
        var output = new ArrayBufferWriter<byte>();
        ManageSieveResponseWriter.WriteStatus(output, ManageSieveStatus.No, "QUOTA/MAXSIZE", "too \"big\"");
        ManageSieveResponseWriter.WriteStatus(output, ManageSieveStatus.Ok, null, null);
        ManageSieveResponseWriter.WriteStatus(output, ManageSieveStatus.Bye, null, "two\r\nlines");
        ManageSieveResponseWriter.WriteLine(output, "n\u00e4me", "ACTIVE", secondIsAtom: true);
        Assert.Equal("NO (QUOTA/MAXSIZE) \"too \\\"big\\\"\"\r\nOK\r\nBYE {10}\r\ntwo\r\nlines\r\n\"n\u00e4me\" ACTIVE\r\n", Encoding.UTF8.GetString(output.WrittenSpan));
    }
}
