using Serverless.Mail.Sieve;
using Serverless.Mail.Sieve.Language;
using Xunit;

namespace Serverless.Mail.Tests.Sieve.Language;

public sealed class SieveCompilerTests
{
    [Theory]
    [InlineData("fileinto \"A\";", 1, "fileinto needs require \"fileinto\"")]
    [InlineData("require \"fileinto\";\nkeep;\nrequire \"body\";", 3, "require must come before any other command")]
    [InlineData("require \"x-unknown\";", 1, "unsupported extension \"x-unknown\"")]
    [InlineData("\n\nfrobnicate;", 3, "unknown command 'frobnicate'")]
    [InlineData("if frob { }", 1, "unknown test 'frob'")]
    [InlineData("if keep { }", 1, "'keep' is a command, not a test")]
    [InlineData("header \"a\" \"b\";", 1, "'header' is a test, not a command")]
    [InlineData("else { }", 1, "'else' must follow 'if' or 'elsif'")]
    [InlineData("if true keep {}", 1, "'keep' is a command, not a test")]
    [InlineData("if true;", 1, "'if' needs a block")]
    [InlineData("if header :is :contains \"a\" \"b\" {}", 1, ":contains cannot be combined with :is")]
    [InlineData("if header :over 3 \"a\" \"b\" {}", 1, "'header' does not take :over")]
    [InlineData("if header \"a\" {}", 1, "'header' needs 2 argument(s), got 1")]
    [InlineData("if size 3 {}", 1, "'size' takes no arguments besides tags")]
    [InlineData("if size {}", 1, "size needs :over or :under")]
    [InlineData("if header :comparator \"i;foo\" \"a\" \"b\" {}", 1, "unsupported comparator \"i;foo\"")]
    [InlineData("if header :comparator \"i;ascii-numeric\" \"a\" \"b\" {}", 1, "needs require \"comparator-i;ascii-numeric\"")]
    [InlineData("require \"relational\";\nif header :count \"xx\" \"a\" \"b\" {}", 2, "unknown relation \"xx\"")]
    [InlineData("if header :count \"gt\" \"a\" \"b\" {}", 1, ":count needs require \"relational\"")]
    [InlineData("require \"date\";\nif currentdate \"fortnight\" \"1\" {}", 2, "unknown date-part \"fortnight\"")]
    [InlineData("require \"date\";\nif currentdate :zone \"CET\" \"year\" \"1\" {}", 2, "invalid zone \"CET\"")]
    [InlineData("require \"variables\";\nset \"1abc\" \"x\";", 2, "invalid variable name \"1abc\"")]
    [InlineData("require \"fileinto\";\nfileinto [\"a\", \"b\"];", 2, "argument 1 of 'fileinto' must be a string")]
    [InlineData("redirect \"not an address\";", 1, "redirect needs a valid address")]
    [InlineData("require \"fileinto\";\nfileinto :create \"A\";", 2, ":create needs require \"mailbox\"")]
    [InlineData("require \"fileinto\";\nfileinto :flags \"\\\\Seen\" \"A\";", 2, ":flags needs require \"imap4flags\"")]
    [InlineData("require \"imap4flags\";\nkeep :flags;", 2, ":flags needs a string list")]
    [InlineData("require \"vacation\";\nvacation :days \"x\" \"away\";", 2, ":days must be a number")]
    [InlineData("require \"fileinto\";\nfileinto \"A\" :copy;", 2, "tag :copy of 'fileinto' must come before its other arguments")]
    public void Semantic_errors_name_the_line_and_the_reason(string script, int line, string reason)
    {
        var e = Assert.Throws<SieveSyntaxException>(() => SieveCompiler.Compile(script));
        Assert.Equal(line, e.Line);
        Assert.Contains(reason, e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_supported_extension_compiles_together()
    {
        var script = """
            require ["fileinto", "reject", "ereject", "envelope", "encoded-character", "imap4flags", "variables", "body", "date",
                     "relational", "copy", "vacation", "mailbox", "comparator-i;ascii-numeric"];
            if envelope :domain :is "from" "example.com" { fileinto :copy :create :flags ["\\Seen"] "Lists/${hex:41}"; }
            elsif body :content "text" :contains "unsubscribe" { addflag "$Junk"; }
            elsif date :originalzone :value "ge" "date" "year" "2020" { set :lower "x" "Y"; }
            elsif currentdate :zone "+0100" "weekday" "0" { ereject "closed"; }
            elsif header :count "gt" :comparator "i;ascii-numeric" "received" "5" { reject "too many hops"; }
            elsif hasflag :contains "Junk" { discard; }
            elsif string :matches "${x}" "y*" { vacation :days 3 :subject "Away" :from "me@example.com" :addresses ["a@example.com"] :mime :handle "h" "text"; }
            else { keep :flags "\\Flagged"; stop; }
            """;
        Assert.Equal(SieveCheckResult.Ok, new SieveChecker().Check(script));
    }

    [Fact]
    public void The_checker_reports_line_and_reason_and_refuses_scripts_over_64_KiB()
    {
        Assert.Equal(new SieveCheckResult(false, 2, "unknown command 'kep'"), new SieveChecker().Check("keep;\nkep;"));
        var big = "keep;" + new string(' ', 64 * 1024);
        Assert.False(new SieveChecker().Check(big).Valid);
    }

    [Fact]
    public void Encoded_characters_are_decoded_only_when_required()
    {
        var on = SieveCompiler.Compile("require [\"encoded-character\", \"fileinto\"];\nfileinto \"${hex:48 69}${unicode:1F600}\";");
        Assert.Equal("Hi\U0001F600", on.Commands[0].String(0));
        var off = SieveCompiler.Compile("require \"fileinto\";\nfileinto \"${hex:48 69}\";");
        Assert.Equal("${hex:48 69}", off.Commands[0].String(0));
        var e = Assert.Throws<SieveSyntaxException>(() => SieveCompiler.Compile("require [\"encoded-character\", \"fileinto\"];\nfileinto \"${unicode:D800}\";"));
        Assert.Equal(2, e.Line);
    }

    [Fact]
    public void The_README_example_compiles()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var start = readme.IndexOf("```sieve", StringComparison.Ordinal);
        Assert.True(start >= 0);
        start = readme.IndexOf('\n', start) + 1;
        var script = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];
        Assert.Equal(SieveCheckResult.Ok, new SieveChecker().Check(script));
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
