using System.Buffers;
using System.Text;
using Serverless.Protocols.Pop3;
using Xunit;

namespace Serverless.Protocols.Tests.Pop3;

public sealed class Pop3CommandParserTests
{
    private static Pop3Command Parse(string line) => Pop3CommandParser.Parse(Encoding.UTF8.GetBytes(line));

    [Theory]
    [InlineData("STAT", Pop3CommandKind.Stat)]
    [InlineData("stat", Pop3CommandKind.Stat)]
    [InlineData("Capa", Pop3CommandKind.Capa)]
    [InlineData("STLS", Pop3CommandKind.Stls)]
    [InlineData("NOOP", Pop3CommandKind.Noop)]
    [InlineData("RSET", Pop3CommandKind.Rset)]
    [InlineData("QUIT", Pop3CommandKind.Quit)]
    [InlineData("QUIT ", Pop3CommandKind.Quit)]
    public void Commands_without_arguments_are_recognised_in_any_case(string line, Pop3CommandKind kind)
    {
        var command = Parse(line);
        Assert.Equal(kind, command.Kind);
        Assert.True(command.IsValid);
    }

    [Fact]
    public void Message_numbers_are_parsed_and_bad_ones_reported()
    {
        Assert.Equal(7, Parse("RETR 7").Message);
        Assert.Equal(12, Parse("dele  12 ").Message);
        Assert.Null(Parse("LIST").Message);
        Assert.True(Parse("LIST").IsValid);
        Assert.Equal(3, Parse("UIDL 3").Message);
        Assert.False(Parse("RETR").IsValid);
        Assert.False(Parse("RETR 0").IsValid);
        Assert.False(Parse("RETR -1").IsValid);
        Assert.False(Parse("RETR x").IsValid);
        Assert.False(Parse("RETR 1 2").IsValid);
        Assert.False(Parse("LIST 99999999999").IsValid);
        Assert.Equal(Pop3CommandKind.Retr, Parse("RETR x").Kind);
    }

    [Fact]
    public void Top_takes_a_message_and_a_line_count()
    {
        var top = Parse("TOP 2 10");
        Assert.Equal((Pop3CommandKind.Top, 2, 10), (top.Kind, top.Message, top.Lines));
        Assert.Equal(0, Parse("TOP 1 0").Lines);
        Assert.Equal(int.MaxValue, Parse("TOP 1 99999999999999").Lines);
        Assert.False(Parse("TOP 1").IsValid);
        Assert.False(Parse("TOP 0 1").IsValid);
        Assert.False(Parse("TOP 1 -2").IsValid);
    }

    [Fact]
    public void User_takes_one_name_and_pass_takes_the_rest_of_the_line()
    {
        Assert.Equal("ann@example.com", Parse("USER ann@example.com").Argument);
        Assert.Equal("jörg@bücher.example", Parse("USER jörg@bücher.example").Argument);
        Assert.False(Parse("USER").IsValid);
        Assert.False(Parse("USER a b").IsValid);
        Assert.Equal(" a pass phrase ", Parse("PASS  a pass phrase ").Argument);
        Assert.False(Parse("PASS").IsValid);
        Assert.True(Parse("PASS x").CarriesSecret);
    }

    [Fact]
    public void Auth_has_a_mechanism_and_an_optional_initial_response()
    {
        var auth = Parse("AUTH plain AHVAZQBw");
        Assert.Equal(("PLAIN", "AHVAZQBw"), (auth.Argument, auth.Argument2));
        Assert.Equal(("PLAIN", null), (Parse("AUTH PLAIN").Argument, Parse("AUTH PLAIN").Argument2));
        Assert.Equal("=", Parse("AUTH PLAIN =").Argument2);
        var bare = Parse("AUTH");
        Assert.True(bare.IsValid);
        Assert.Null(bare.Argument);
        Assert.False(Parse("AUTH PL@IN").IsValid);
        Assert.False(Parse("AUTH PLAIN a b").IsValid);
        Assert.False(Parse("AUTH ABCDEFGHIJKLMNOPQRSTU").IsValid); // 21 characters
    }

    [Fact]
    public void Unknown_and_garbage_keywords_are_unknown_and_never_echoed_raw()
    {
        Assert.Equal(Pop3CommandKind.Unknown, Parse("LAST").Kind);
        Assert.Equal("LAST", Parse("last").Keyword);
        Assert.Equal(Pop3CommandKind.Unknown, Parse("").Kind);
        Assert.Equal(Pop3CommandKind.Unknown, Parse("RETRIEVE 1").Kind);
        Assert.Equal("", Parse("\u0001\u0002\u0003").Keyword);
        Assert.False(Parse("STAT 1").IsValid);
    }

    [Fact]
    public void A_line_split_over_buffer_segments_parses_like_a_contiguous_one()
    {
        var sequence = Segments("RE", "TR 4", "2");
        Assert.Equal(42, Pop3CommandParser.Parse(sequence).Message);
    }

    internal static ReadOnlySequence<byte> Segments(params string[] parts)
    {
        Segment? first = null, last = null;
        foreach (var part in parts)
        {
            var segment = new Segment(Encoding.UTF8.GetBytes(part));
            if (first is null)
            {
                first = last = segment;
            }
            else
            {
                last = last!.Append(segment);
            }
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(Segment next)
        {
            next.RunningIndex = RunningIndex + Memory.Length;
            Next = next;
            return next;
        }
    }
}
