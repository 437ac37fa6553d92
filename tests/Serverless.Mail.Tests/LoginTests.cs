using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Accounts;
using Serverless.Mail.Security;
using Serverless.Testing;
using Xunit;

namespace Serverless.Mail.Tests;

public sealed class LoginTests
{
    [Fact]
    public void Password_hashes_are_salted_pbkdf2_and_verify()
    {
        var hasher = new PasswordHasher(); // the production iteration count
        var a = hasher.Hash("s3cret passphrase");
        var b = hasher.Hash("s3cret passphrase");
        Assert.StartsWith("$pbkdf2-sha256$i=600000$", a, StringComparison.Ordinal);
        Assert.NotEqual(a, b);
        Assert.True(PasswordHasher.Verify("s3cret passphrase", a));
        Assert.False(PasswordHasher.Verify("s3cret passphrasE", a));
        Assert.False(PasswordHasher.Verify("x", "$pbkdf2-sha256$i=10$AAAA$AAAA"));
        Assert.False(PasswordHasher.Verify("x", "plaintext"));
    }

    [Fact]
    public async Task Logins_verify_cache_and_stop_after_a_password_change()
    {
        await using var sp = await TestStorage.CreateServicesAsync(extra: new Dictionary<string, string?> { ["Mail:Security:AccountCacheLifetime"] = "00:00:00" });
        var dir = sp.GetRequiredService<MailDirectory>();
        var logins = sp.GetRequiredService<LoginVerifier>();
        await dir.CreateTenantAsync("t", "T");
        await dir.AddDomainAsync("t", "t.test", null);
        await dir.CreateMailboxAsync("t", MailAddress.Parse("u@t.test"), "first password", null, 0);

        Assert.True((await logins.VerifyAsync("U@T.test", "first password", "192.0.2.1")).Succeeded);
        Assert.True((await logins.VerifyAsync("u@t.test", "first password", "192.0.2.1")).Succeeded); // from the cache
        Assert.Equal(LoginFailure.BadCredentials, (await logins.VerifyAsync("u@t.test", "wrong", "192.0.2.1")).Failure);
        Assert.Equal(LoginFailure.BadCredentials, (await logins.VerifyAsync("nobody@t.test", "first password", "192.0.2.1")).Failure);

        await dir.SetPasswordAsync("t", MailAddress.Parse("u@t.test"), "second password");
        Assert.Equal(LoginFailure.BadCredentials, (await logins.VerifyAsync("u@t.test", "first password", "192.0.2.2")).Failure);
        Assert.True((await logins.VerifyAsync("u@t.test", "second password", "192.0.2.2")).Succeeded);

        await dir.UpdateMailboxAsync("t", MailAddress.Parse("u@t.test"), null, null, enabled: false);
        Assert.Equal(LoginFailure.Disabled, (await logins.VerifyAsync("u@t.test", "second password", "192.0.2.2")).Failure);
    }

    [Fact]
    public async Task Failed_logins_are_throttled_per_ip_and_per_account()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var dir = sp.GetRequiredService<MailDirectory>();
        var logins = sp.GetRequiredService<LoginVerifier>();
        var options = sp.GetRequiredService<SecurityOptions>();
        await dir.CreateTenantAsync("t", "T");
        await dir.AddDomainAsync("t", "t.test", null);
        await dir.CreateMailboxAsync("t", MailAddress.Parse("u@t.test"), "the password", null, 0);

        for (var i = 0; i < options.MaxFailuresPerAccount; i++)
        {
            Assert.Equal(LoginFailure.BadCredentials, (await logins.VerifyAsync("u@t.test", "guess" + i, $"198.51.100.{i}")).Failure);
        }
        // The account is now locked for the window, even with the right password and a new IP.
        Assert.Equal(LoginFailure.Throttled, (await logins.VerifyAsync("u@t.test", "the password", "203.0.113.9")).Failure);
        Assert.True(logins.Throttle.RetryAfter("203.0.113.9", "u@t.test") > TimeSpan.Zero);

        for (var i = 0; i < options.MaxFailuresPerIp; i++)
        {
            await logins.VerifyAsync($"x{i}@t.test", "guess", "203.0.113.50");
        }
        Assert.Equal(LoginFailure.Throttled, (await logins.VerifyAsync("someone@t.test", "guess", "203.0.113.50")).Failure);
    }

    [Fact]
    public void The_throttle_forgets_failures_after_the_window()
    {
        var time = new ManualTime(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var throttle = new LoginThrottle(new SecurityOptions { MaxFailuresPerIp = 2, FailureWindow = TimeSpan.FromMinutes(1) }, time);
        throttle.RecordFailure("192.0.2.7", null);
        throttle.RecordFailure("192.0.2.7", null);
        Assert.False(throttle.IsAllowed("192.0.2.7", null));
        time.Now += TimeSpan.FromSeconds(61);
        Assert.True(throttle.IsAllowed("192.0.2.7", null));
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
