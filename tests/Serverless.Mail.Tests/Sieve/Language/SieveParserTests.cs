using Serverless.Mail.Sieve.Language;
using Xunit;

namespace Serverless.Mail.Tests.Sieve.Language;

public sealed class SieveParserTests
{
    [Fact]
    public void Commands_with_arguments_a_test_and_a_block_make_a_tree()
    {
        var commands = SieveParser.Parse("require [\"fileinto\"];\nif anyof (header :is \"X\" \"1\", not exists \"Y\") {\n  fileinto \"A\";\n} else { keep; }");
        Assert.Equal(["require", "if", "else"], commands.Select(c => c.Name));
        var @if = commands[1];
        var anyof = Assert.Single(@if.Tests);
        Assert.Equal("anyof", anyof.Name);
        Assert.Equal(["header", "not"], anyof.Tests.Select(t => t.Name));
        Assert.Equal("exists", Assert.Single(anyof.Tests[1].Tests).Name);
        var header = anyof.Tests[0];
        Assert.Equal("is", Assert.IsType<SieveTag>(header.Arguments[0]).Name);
        Assert.Equal(["X"], Assert.IsType<SieveStrings>(header.Arguments[1]).Values);
        var fileinto = Assert.Single(@if.Block!);
        Assert.Equal(("fileinto", 3), (fileinto.Name, fileinto.Line));
        Assert.True(Assert.IsType<SieveStrings>(commands[0].Arguments[0]).Bracketed);
    }

    [Theory]
    [InlineData("keep", 1, "expected ';' after 'keep', found 'end of script'")]
    [InlineData("if true {\nkeep;\n", 3, "expected '}' to end the block of 'if'")]
    [InlineData("if anyof (true; false) { }", 1, "expected ',' or ')' in a test list")]
    [InlineData("require [\"a\" \"b\"];", 1, "expected ',' or ']' in a string list")]
    [InlineData("keep;\n}", 2, "unexpected '}'")]
    [InlineData("if ( ) {}", 1, "expected a test")]
    public void Syntax_errors_name_the_line_and_what_was_expected(string script, int line, string reason)
    {
        var e = Assert.Throws<SieveSyntaxException>(() => SieveParser.Parse(script));
        Assert.Equal(line, e.Line);
        Assert.Contains(reason, e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_is_bounded_so_a_hostile_script_cannot_exhaust_the_stack()
    {
        var deep = string.Concat(Enumerable.Repeat("if true {", 100)) + string.Concat(Enumerable.Repeat("}", 100));
        var e = Assert.Throws<SieveSyntaxException>(() => SieveParser.Parse(deep));
        Assert.Contains("nested deeper than", e.Reason, StringComparison.Ordinal);
        var tests = "if " + string.Concat(Enumerable.Repeat("not ", 10_000)) + "true {}";
        Assert.Throws<SieveSyntaxException>(() => SieveParser.Parse(tests));
    }
}
