using Serverless.Testing.Raw;
using Xunit;

namespace Serverless.Listeners.Tests.ManageSieve;

public sealed class ManageSieveTlsTests
{
    [Fact]
    public async Task Before_STARTTLS_PLAIN_is_neither_offered_nor_accepted_and_after_it_the_capabilities_come_again_with_PLAIN()
    {
        await using var bed = await ManageSieveTestBed.StartAsync(plaintextOnLoopback: false);
        await using var sieve = await bed.RawAsync();

        var greeting = sieve.Greeting;
        Assert.True(greeting.IsOk, greeting.Final);
        Assert.Contains("\"IMPLEMENTATION\" \"Serverless Mail\"", greeting.Lines);
        Assert.Contains("\"SASL\" \"\"", greeting.Lines);
        Assert.Contains("\"STARTTLS\"", greeting.Lines);
        Assert.Contains("\"VERSION\" \"1.0\"", greeting.Lines);
        Assert.Contains(greeting.Lines, l => l.StartsWith("\"SIEVE\" \"fileinto ", StringComparison.Ordinal) && l.Contains(" vacation", StringComparison.Ordinal));
        Assert.DoesNotContain(greeting.Lines, l => l.StartsWith("\"OWNER\"", StringComparison.Ordinal));

        var refused = await sieve.LoginAsync(ManageSieveTestBed.Address, ManageSieveTestBed.Password);
        Assert.StartsWith("NO (ENCRYPT-NEEDED)", refused.Final, StringComparison.Ordinal);
        Assert.StartsWith("NO", (await sieve.CommandAsync("LISTSCRIPTS")).Final, StringComparison.Ordinal);

        Assert.Equal("OK \"Begin TLS negotiation\"", (await sieve.CommandAsync("STARTTLS")).Final);
        await sieve.WrapInTlsAsync();
        var again = await sieve.ResponseAsync();
        Assert.True(again.IsOk, again.Final);
        Assert.Contains("\"SASL\" \"PLAIN\"", again.Lines);
        Assert.DoesNotContain("\"STARTTLS\"", again.Lines);

        Assert.True((await sieve.LoginAsync(ManageSieveTestBed.Address, ManageSieveTestBed.Password)).IsOk);
        var capability = await sieve.CommandAsync("CAPABILITY");
        Assert.Contains($"\"OWNER\" \"{ManageSieveTestBed.Address}\"", capability.Lines);
        Assert.Equal("OK", (await sieve.CommandAsync("UNAUTHENTICATE")).Final);
        Assert.Equal("NO \"TLS is already active\"", (await sieve.CommandAsync("STARTTLS")).Final);
    }

    [Fact]
    public async Task Commands_pipelined_behind_STARTTLS_are_discarded_not_run_inside_TLS()
    {
        await using var bed = await ManageSieveTestBed.StartAsync(plaintextOnLoopback: false);
        await using var sieve = await bed.RawAsync();
        await sieve.SendAsync("STARTTLS\r\nNOOP \"injected\"\r\n");
        Assert.Equal("OK \"Begin TLS negotiation\"", (await sieve.ResponseAsync()).Final);
        await sieve.WrapInTlsAsync();
        Assert.True((await sieve.ResponseAsync()).IsOk); // the capabilities
        Assert.Equal("OK (TAG \"ours\") \"Done\"", (await sieve.CommandAsync("NOOP \"ours\"")).Final);
    }

    [Fact]
    public async Task The_loopback_development_setting_allows_PLAIN_without_TLS()
    {
        await using var bed = await ManageSieveTestBed.StartAsync(plaintextOnLoopback: true);
        await using var sieve = await bed.RawAsync();
        Assert.Contains("\"SASL\" \"PLAIN\"", sieve.Greeting.Lines);
        Assert.Equal("OK \"Logged in\"", (await sieve.LoginAsync(ManageSieveTestBed.Address, ManageSieveTestBed.Password)).Final);
    }

    [Fact]
    public async Task AUTHENTICATE_without_initial_response_takes_the_answer_to_an_empty_challenge_as_quoted_or_literal_and_star_cancels()
    {
        await using var bed = await ManageSieveTestBed.StartAsync();
        await using var sieve = await bed.RawAsync();
        var plain = RawManageSieveClient.Plain(ManageSieveTestBed.Address, ManageSieveTestBed.Password);

        await sieve.SendAsync("AUTHENTICATE \"PLAIN\"\r\n");
        Assert.Equal("\"\"", await sieve.LineAsync());
        Assert.Equal("NO \"Authentication cancelled\"", (await sieve.CommandAsync("\"*\"")).Final);

        await sieve.SendAsync("Authenticate \"plain\"\r\n");
        Assert.Equal("\"\"", await sieve.LineAsync());
        Assert.Equal("OK \"Logged in\"", (await sieve.CommandAsync($"{{{plain.Length}+}}\r\n{plain}")).Final);
    }

    [Fact]
    public async Task Wrong_passwords_are_answered_NO_and_the_third_ends_the_connection_with_BYE()
    {
        await using var bed = await ManageSieveTestBed.StartAsync();
        await using var sieve = await bed.RawAsync();
        Assert.Equal("NO \"Invalid login or password\"", (await sieve.LoginAsync(ManageSieveTestBed.Address, "wrong")).Final);
        Assert.Equal("NO \"Invalid login or password\"", (await sieve.LoginAsync(ManageSieveTestBed.Address, "wrong")).Final);
        Assert.StartsWith("BYE", (await sieve.LoginAsync(ManageSieveTestBed.Address, "wrong")).Final, StringComparison.Ordinal);
        Assert.True(await sieve.ClosedByServerAsync());
    }

    [Fact]
    public async Task UNAUTHENTICATE_returns_to_the_state_before_login_and_LOGOUT_closes()
    {
        await using var bed = await ManageSieveTestBed.StartAsync();
        await using var sieve = await bed.LoggedInAsync();
        Assert.Equal("OK", (await sieve.CommandAsync("UNAUTHENTICATE")).Final);
        Assert.Equal("NO \"LISTSCRIPTS is only valid after AUTHENTICATE\"", (await sieve.CommandAsync("LISTSCRIPTS")).Final);
        Assert.True((await sieve.LoginAsync(ManageSieveTestBed.Address, ManageSieveTestBed.Password)).IsOk);
        Assert.Equal("NO \"AUTHENTICATE is only valid before AUTHENTICATE\"", (await sieve.LoginAsync(ManageSieveTestBed.Address, ManageSieveTestBed.Password)).Final);
        Assert.Equal("OK \"Logout completed\"", (await sieve.CommandAsync("LOGOUT")).Final);
        Assert.True(await sieve.ClosedByServerAsync());
    }

    [Fact]
    public async Task One_connection_over_the_pre_login_cap_is_told_BYE_TRYLATER_and_a_login_frees_its_place()
    {
        await using var bed = await ManageSieveTestBed.StartAsync(settings: new Dictionary<string, string?> { ["Mail:Listeners:MaxUnauthenticatedConnections"] = "1" });
        await using var first = await bed.RawAsync();
        await using (var refused = await bed.RawAsync())
        {
            Assert.Equal("BYE (TRYLATER) \"Too many connections, try again later\"", refused.Greeting.Final);
            Assert.True(await refused.ClosedByServerAsync());
        }
        Assert.True((await first.LoginAsync(ManageSieveTestBed.Address, ManageSieveTestBed.Password)).IsOk);
        await using var second = await bed.RawAsync();
        Assert.True(second.Greeting.IsOk, second.Greeting.Final);
    }
}
