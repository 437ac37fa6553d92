using Xunit;

namespace Serverless.Listeners.Tests.ManageSieve;

public sealed class ManageSieveSyntaxTests
{
    [Fact]
    public async Task Bad_syntax_unknown_and_out_of_state_commands_are_answered_NO_and_the_session_goes_on()
    {
        await using var bed = await ManageSieveTestBed.StartAsync();
        await using var sieve = await bed.RawAsync();
        Assert.Equal("NO \"Unknown command FROB\"", (await sieve.CommandAsync("FROB")).Final);
        Assert.Equal("NO \"LISTSCRIPTS is only valid after AUTHENTICATE\"", (await sieve.CommandAsync("LISTSCRIPTS")).Final);
        Assert.Equal("NO \"Expected a string or a number\"", (await sieve.CommandAsync("NOOP atom")).Final);
        Assert.Equal("NO \"Expected a command name\"", (await sieve.CommandAsync("\"quoted\"")).Final);
        Assert.Equal("NO \"Only \\\\\\\" and \\\\\\\\ may be escaped in a quoted string\"", (await sieve.CommandAsync("NOOP \"a\\qb\"")).Final);
        Assert.Equal("NO \"CAPABILITY takes no arguments\"", (await sieve.CommandAsync("CAPABILITY \"x\"")).Final);
        await using var logged = await bed.LoggedInAsync();
        Assert.Equal("NO \"PUTSCRIPT takes 2 string arguments\"", (await logged.CommandAsync("PUTSCRIPT \"a\"")).Final);
        Assert.Equal("NO \"HAVESPACE takes a script name and a size\"", (await logged.CommandAsync("HAVESPACE \"a\" \"5\"")).Final);
        Assert.Equal("OK (TAG \"still here\") \"Done\"", (await sieve.CommandAsync("NOOP \"still here\"")).Final);
    }

    [Fact]
    public async Task Too_many_bad_commands_end_the_session_with_BYE()
    {
        await using var bed = await ManageSieveTestBed.StartAsync(settings: new Dictionary<string, string?> { ["Mail:ManageSieve:MaxBadCommands"] = "3" });
        await using var sieve = await bed.RawAsync();
        Assert.StartsWith("NO", (await sieve.CommandAsync("FROB")).Final, StringComparison.Ordinal);
        Assert.StartsWith("NO", (await sieve.CommandAsync("FROB")).Final, StringComparison.Ordinal);
        Assert.StartsWith("BYE", (await sieve.CommandAsync("FROB")).Final, StringComparison.Ordinal);
        Assert.True(await sieve.ClosedByServerAsync());
    }

    [Fact]
    public async Task A_literal_over_the_script_size_is_read_past_and_refused_with_QUOTA_MAXSIZE()
    {
        await using var bed = await ManageSieveTestBed.StartAsync(settings: new Dictionary<string, string?> { ["Mail:Sieve:MaxScriptBytes"] = "100" });
        await using var sieve = await bed.LoggedInAsync();
        var big = new string('#', 5000);
        Assert.Equal("NO (QUOTA/MAXSIZE) \"Literal of 5000 octets is larger than the 100 allowed\"", (await sieve.CommandAsync($"PUTSCRIPT \"a\" {{5000+}}\r\n{big}")).Final);
        Assert.Equal("OK (TAG \"after\") \"Done\"", (await sieve.CommandAsync("NOOP \"after\"")).Final);
        Assert.Empty((await sieve.CommandAsync("LISTSCRIPTS")).Lines);
        // A synchronising {n} literal is taken the same way (no continuation in ManageSieve).
        Assert.Equal("OK", (await sieve.CommandAsync("PUTSCRIPT \"b\" {5}\r\nkeep;")).Final);
    }

    [Fact]
    public async Task A_literal_over_a_megabyte_or_an_overlong_line_ends_the_session_with_BYE()
    {
        await using var bed = await ManageSieveTestBed.StartAsync();
        await using (var sieve = await bed.LoggedInAsync())
        {
            Assert.StartsWith("BYE (QUOTA/MAXSIZE)", (await sieve.CommandAsync("PUTSCRIPT \"a\" {2000000+}")).Final, StringComparison.Ordinal);
            Assert.True(await sieve.ClosedByServerAsync());
        }
        await using (var sieve = await bed.RawAsync())
        {
            Assert.Equal("BYE \"Line too long\"", (await sieve.CommandAsync("NOOP " + string.Join(' ', Enumerable.Repeat("12345678", 1200)))).Final);
            Assert.True(await sieve.ClosedByServerAsync());
        }
        await using (var sieve = await bed.RawAsync())
        {
            Assert.StartsWith("NO \"A quoted string may have at most 1024 octets", (await sieve.CommandAsync($"NOOP \"{new string('x', 1100)}\"")).Final, StringComparison.Ordinal);
        }
    }
}
