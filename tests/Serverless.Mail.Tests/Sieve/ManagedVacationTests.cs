using Serverless.Mail.Sieve;
using Serverless.Mail.Sieve.Scripts;
using Xunit;

namespace Serverless.Mail.Tests.Sieve;

public sealed class ManagedVacationTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-12-03T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void The_rule_quotes_its_strings_as_Sieve_requires_and_writes_line_ends_as_CRLF()
    {
        var rule = ManagedVacation.Rule(new VacationSettings(true, "Out \"of\" office", "Line one\nC:\\path\r\nEnd", "Me <me@x.test>", null, 3));
        Assert.Equal(
            "# Managed vacation (set through the API)\r\nvacation :days 3 :subject \"Out \\\"of\\\" office\" :from \"Me <me@x.test>\" \"Line one\r\nC:\\\\path\r\nEnd\";",
            rule);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("keep;")]
    [InlineData("require \"fileinto\";\r\nif header :contains \"list-id\" \"\" { fileinto \"Lists\"; stop; }\r\n")]
    [InlineData("# mine\r\nrequire [\"vacation\", \"imap4flags\"];\r\naddflag \"$Seen\";\r\nvacation \"own reply\";\r\n")]
    public void The_composed_script_compiles_with_the_Sieve_compiler(string? userScript)
    {
        var vacation = new VacationSettings(true, "Away \"now\"", "Back on Monday.\nC:\\x", "me@x.test", null, 3);
        var composed = ManagedVacation.Compose(userScript, vacation, Now);
        Assert.NotNull(composed);
        Assert.Equal(SieveCheckResult.Ok, new SieveChecker().Check(composed));
    }

    [Theory]
    [InlineData("keep;", 0)]
    [InlineData("require \"fileinto\";\nkeep;", 19)]
    [InlineData("# comment\r\nREQUIRE [\"fileinto\", \"imap4flags\"] ; /* c */ require \"body\";\r\nkeep;", 71)]
    [InlineData("require [\"a\" \"b\"];", 0)]
    [InlineData("requirex \"a\";", 0)]
    [InlineData("require \"a\\\";\";\nkeep;", 15)]
    public void The_require_block_ends_after_the_last_leading_require(string script, int end)
    {
        Assert.Equal(end, ManagedVacation.RequireBlockEnd(script));
    }

    [Fact]
    public void A_vacation_that_is_off_or_over_leaves_the_users_script_alone()
    {
        Assert.Equal("keep;", ManagedVacation.Compose("keep;", VacationSettings.Off, Now));
        Assert.Equal("keep;", ManagedVacation.Compose("keep;", new VacationSettings(true, null, "x", null, Now, 7), Now));
        Assert.Null(ManagedVacation.Compose(null, null, Now));
    }

    [Fact]
    public void The_vacation_comes_after_the_users_requires_and_before_a_stop_that_would_silence_it()
    {
        var text = ManagedVacation.Compose("require [\"fileinto\"];\r\nfileinto \"A\";\r\nstop;\r\n", new VacationSettings(true, null, "Away", null, null, 7), Now);
        Assert.Equal("require \"vacation\";\r\nrequire [\"fileinto\"];\r\n# Managed vacation (set through the API)\r\nvacation :days 7 \"Away\";\r\n\r\nfileinto \"A\";\r\nstop;\r\n", text);
    }
}
