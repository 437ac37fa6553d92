using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Accounts;
using Serverless.Mail.Security;
using Serverless.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Serverless.Mail.Tests.Security;

/// <summary>
/// The login throttle holds under abuse: the failure budget is taken before the password hash is
/// computed, every spelling of an address shares one budget, counters expire one by one (a flood
/// of made-up names never resets a victim's), and a missing client address is not one shared bucket.
/// </summary>
public sealed class LoginThrottleTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-01-01T00:00:00Z", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Twenty_parallel_wrong_passwords_cost_at_most_the_limit_in_real_hash_checks()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var dir = sp.GetRequiredService<MailDirectory>();
        var logins = sp.GetRequiredService<LoginVerifier>();
        var limit = sp.GetRequiredService<SecurityOptions>().MaxFailuresPerAccount;
        await dir.CreateTenantAsync("t", "T");
        await dir.AddDomainAsync("t", "t.test", null);
        await dir.CreateMailboxAsync("t", MailAddress.Parse("victim@t.test"), "the password", null, 0);

        var before = logins.PasswordHashChecks;
        using var go = new ManualResetEventSlim();
        var attempts = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            go.Wait();
            // Each from its own address, so only the account's budget is in play.
            return (await logins.VerifyAsync("victim@t.test", "guess-" + i, $"198.51.100.{i + 1}")).Failure;
        })).ToArray();
        go.Set();
        var outcomes = await Task.WhenAll(attempts);
        var hashed = logins.PasswordHashChecks - before;

        Assert.InRange(hashed, 0, limit);
        Assert.Equal(hashed, outcomes.Count(o => o == LoginFailure.BadCredentials));
        Assert.Equal(20 - hashed, outcomes.Count(o => o == LoginFailure.Throttled));
        Assert.Equal(LoginFailure.Throttled, (await logins.VerifyAsync("victim@t.test", "the password", "203.0.113.1")).Failure);
        output.WriteLine($"FIGURES throttle: 20 parallel wrong passwords for one account -> {hashed} real PBKDF2 guesses (limit {limit}), {20 - hashed} throttled without hashing");
    }

    /// <summary>
    /// Ten connections of one client logging in at once with the right password (imaptest's clients
    /// did, and Thunderbird opens several per account): before, each held a place in the account's
    /// budget of 5 while its hash ran, and the sixth on was refused as throttled.
    /// </summary>
    [Fact]
    public async Task Parallel_logins_with_the_right_password_all_succeed_and_hash_once()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var dir = sp.GetRequiredService<MailDirectory>();
        var logins = sp.GetRequiredService<LoginVerifier>();
        await dir.CreateTenantAsync("t", "T");
        await dir.AddDomainAsync("t", "t.test", null);
        await dir.CreateMailboxAsync("t", MailAddress.Parse("busy@t.test"), "the password", null, 0);

        var before = logins.PasswordHashChecks;
        using var go = new ManualResetEventSlim();
        var attempts = Enumerable.Range(0, 10).Select(_ => Task.Run(async () =>
        {
            go.Wait();
            return await logins.VerifyAsync("busy@t.test", "the password", "192.0.2.7");
        })).ToArray();
        go.Set();
        var outcomes = await Task.WhenAll(attempts);

        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Failure.ToString()));
        Assert.Equal(1, logins.PasswordHashChecks - before);
        // A wrong guess still counts: the budget is untouched by the shared check.
        Assert.Equal(LoginFailure.BadCredentials, (await logins.VerifyAsync("busy@t.test", "wrong", "192.0.2.7")).Failure);
    }

    [Fact]
    public async Task A_successful_login_gives_its_reservation_back()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var dir = sp.GetRequiredService<MailDirectory>();
        var logins = sp.GetRequiredService<LoginVerifier>();
        var limit = sp.GetRequiredService<SecurityOptions>().MaxFailuresPerAccount;
        await dir.CreateTenantAsync("t", "T");
        await dir.AddDomainAsync("t", "t.test", null);
        await dir.CreateMailboxAsync("t", MailAddress.Parse("u@t.test"), "the password", null, 0);

        for (var i = 0; i < 3 * limit; i++)
        {
            Assert.True((await logins.VerifyAsync("u@t.test", "the password", "192.0.2.1")).Succeeded);
        }
        for (var i = 0; i < limit - 1; i++)
        {
            Assert.Equal(LoginFailure.BadCredentials, (await logins.VerifyAsync("u@t.test", "wrong" + i, "192.0.2.1")).Failure);
        }
        Assert.True((await logins.VerifyAsync("u@t.test", "the password", "192.0.2.1")).Succeeded);
    }

    [Fact]
    public void Every_spelling_of_an_address_shares_one_budget()
    {
        var throttle = new LoginThrottle(new SecurityOptions { MaxFailuresPerAccount = 5 }, new ManualTime(Start));
        foreach (var spelling in new[] { "User@Bücher.Test", " user@BÜCHER.test ", "USER@xn--bcher-kva.test", "user@bücher.test.", "uSeR@XN--BCHER-KVA.TEST." })
        {
            Assert.True(throttle.IsAllowed(null, spelling));
            throttle.RecordFailure(null, spelling);
        }
        Assert.False(throttle.IsAllowed(null, "user@bücher.test"));
        Assert.False(throttle.IsAllowed(null, "user@xn--bcher-kva.test"));
        Assert.True(throttle.IsAllowed(null, "other@bücher.test"));
    }

    [Fact]
    public void A_flood_of_made_up_logins_does_not_reset_a_victims_counter()
    {
        var time = new ManualTime(Start);
        var options = new SecurityOptions { MaxFailuresPerAccount = 5, FailureWindow = TimeSpan.FromMinutes(1) };
        var throttle = new LoginThrottle(options, time);
        for (var i = 0; i < 5; i++)
        {
            throttle.RecordFailure(null, "victim@t.test");
        }
        Assert.False(throttle.IsAllowed(null, "victim@t.test"));

        for (var i = 0; i < 100_000; i++)
        {
            throttle.RecordFailure(null, $"made-up-{i}@t.test");
        }
        Assert.False(throttle.IsAllowed(null, "victim@t.test"));
        Assert.True(throttle.TrackedKeys <= options.MaxTrackedLogins);

        // Counters expire one by one: after the window the victim (and everyone) may try again,
        // and the table has room for new names.
        time.Now += TimeSpan.FromSeconds(61);
        Assert.True(throttle.IsAllowed(null, "victim@t.test"));
        throttle.RecordFailure(null, "someone-new@t.test");
        Assert.True(throttle.IsAllowed(null, "someone-new@t.test"));
        Assert.True(throttle.TrackedKeys < 1000);
    }

    [Fact]
    public void A_full_table_refuses_new_names_instead_of_dropping_live_counters()
    {
        var time = new ManualTime(Start);
        var options = new SecurityOptions { MaxFailuresPerAccount = 5, MaxTrackedLogins = 100 };
        var throttle = new LoginThrottle(options, time);
        throttle.RecordFailure(null, "victim@t.test");
        for (var i = 0; i < 200; i++)
        {
            throttle.RecordFailure(null, $"made-up-{i}@t.test");
        }
        Assert.Equal(100, throttle.TrackedKeys);
        // The victim's counter is still there (4 left), and a name the table has no room for waits.
        for (var i = 0; i < 4; i++)
        {
            Assert.True(throttle.IsAllowed(null, "victim@t.test"));
            throttle.RecordFailure(null, "victim@t.test");
        }
        Assert.False(throttle.IsAllowed(null, "victim@t.test"));
        Assert.False(throttle.IsAllowed(null, "latecomer@t.test"));
        time.Now += options.FailureWindow + TimeSpan.FromSeconds(1);
        Assert.True(throttle.IsAllowed(null, "latecomer@t.test"));
    }

    [Fact]
    public async Task Without_a_real_client_address_no_per_ip_limit_applies()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var dir = sp.GetRequiredService<MailDirectory>();
        var logins = sp.GetRequiredService<LoginVerifier>();
        var options = sp.GetRequiredService<SecurityOptions>();
        await dir.CreateTenantAsync("t", "T");
        await dir.AddDomainAsync("t", "t.test", null);
        await dir.CreateMailboxAsync("t", MailAddress.Parse("u@t.test"), "the password", null, 0);

        // Everyone behind one proxy address: many people mistype, nobody is locked out of their own account.
        for (var i = 0; i < options.MaxFailuresPerIp + 5; i++)
        {
            Assert.Equal(LoginFailure.BadCredentials, (await logins.VerifyAsync($"x{i}@t.test", "guess", clientIp: null)).Failure);
        }
        Assert.True((await logins.VerifyAsync("u@t.test", "the password", clientIp: null)).Succeeded);
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
