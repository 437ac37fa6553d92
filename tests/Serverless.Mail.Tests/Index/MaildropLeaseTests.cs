using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Serverless.Mail.Index;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Xunit;

namespace Serverless.Mail.Tests.Index;

public sealed class MaildropLeaseTests
{
    private static readonly TimeSpan Duration = TimeSpan.FromMinutes(2);

    /// <summary>Two "listeners" (separate lease stores) sharing storage and a fake clock.</summary>
    private static async Task<(ServiceProvider Services, MaildropLeases First, MaildropLeases Second, FakeTimeProvider Time, string Mailbox)> SetUpAsync()
    {
        var sp = await TestStorage.CreateServicesAsync();
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-27T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var storage = sp.GetRequiredService<MailStorage>();
        var mailbox = Guid.NewGuid().ToString("N");
        await sp.GetRequiredService<MailboxIndex>().CreateMailboxAsync(mailbox);
        return (sp, new MaildropLeases(storage, time), new MaildropLeases(storage, time), time, mailbox);
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in time");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task Only_one_holder_at_a_time_and_releasing_frees_the_maildrop_at_once()
    {
        var (sp, first, second, _, mailbox) = await SetUpAsync();
        await using var _ = sp;
        var held = await first.TryAcquireAsync(mailbox, "listener A", Duration);
        Assert.NotNull(held);
        Assert.Null(await second.TryAcquireAsync(mailbox, "listener B", Duration));
        Assert.Null(await first.TryAcquireAsync(mailbox, "listener A again", Duration));

        await held.ReleaseAsync();
        var next = await second.TryAcquireAsync(mailbox, "listener B", Duration);
        Assert.NotNull(next);
        Assert.NotEqual(held.Owner, next.Owner);

        // Leases are per mailbox.
        var other = Guid.NewGuid().ToString("N");
        Assert.NotNull(await first.TryAcquireAsync(other, "listener A", Duration));
    }

    [Fact]
    public async Task A_crashed_holders_lease_expires_and_the_old_holder_cannot_touch_the_new_one()
    {
        var (sp, first, second, time, mailbox) = await SetUpAsync();
        await using var _ = sp;
        var crashed = await first.TryAcquireAsync(mailbox, "listener A", Duration);
        Assert.NotNull(crashed);

        time.Advance(Duration - TimeSpan.FromSeconds(1));
        Assert.Null(await second.TryAcquireAsync(mailbox, "listener B", Duration));
        time.Advance(TimeSpan.FromSeconds(2));
        var taken = await second.TryAcquireAsync(mailbox, "listener B", Duration);
        Assert.NotNull(taken);

        // The first holder comes back to life: it has lost the lease and cannot renew or release it.
        Assert.False(await crashed.RenewAsync());
        Assert.True(crashed.IsLost);
        Assert.False(await crashed.EnsureHeldAsync());
        await crashed.ReleaseAsync();
        Assert.Null(await first.TryAcquireAsync(mailbox, "listener C", Duration));
        Assert.True(await taken.EnsureHeldAsync());
    }

    [Fact]
    public async Task A_lease_expired_but_not_yet_taken_over_cannot_be_renewed_either()
    {
        var (sp, first, _, time, mailbox) = await SetUpAsync();
        await using var _ = sp;
        var lease = await first.TryAcquireAsync(mailbox, "listener A", Duration);
        time.Advance(Duration + TimeSpan.FromSeconds(1));
        Assert.False(await lease!.RenewAsync());
        Assert.True(lease.IsLost);
    }

    [Fact]
    public async Task Renewals_keep_the_lease_for_as_long_as_the_holder_lives()
    {
        var (sp, first, second, time, mailbox) = await SetUpAsync();
        await using var _ = sp;
        var lease = await first.TryAcquireAsync(mailbox, "listener A", Duration);
        using var stop = new CancellationTokenSource();
        var renewals = lease!.RunRenewalsAsync(stop.Token);

        var start = time.GetUtcNow();
        for (var tick = 1; tick <= 6; tick++)
        {
            time.Advance(Duration / 3);
            var expected = start + (tick * (Duration / 3)) + Duration;
            await Until(() => lease.ExpiresAt == expected);
        }
        // Twice the duration has passed since it was taken: still held thanks to the renewals.
        Assert.Null(await second.TryAcquireAsync(mailbox, "listener B", Duration));

        await stop.CancelAsync();
        await renewals;
        time.Advance(Duration + TimeSpan.FromSeconds(1));
        Assert.NotNull(await second.TryAcquireAsync(mailbox, "listener B", Duration));
    }

    [Fact]
    public async Task Of_several_contenders_for_an_expired_lease_exactly_one_wins()
    {
        var (sp, first, second, time, mailbox) = await SetUpAsync();
        await using var _ = sp;
        Assert.NotNull(await first.TryAcquireAsync(mailbox, "crashed", Duration));
        time.Advance(Duration + TimeSpan.FromSeconds(1));
        var contenders = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? first : second).TryAcquireAsync(mailbox, $"contender {i}", Duration)));
        Assert.Single(contenders, c => c is not null);
    }

    [Fact]
    public async Task EnsureHeld_renews_only_when_less_than_half_the_duration_is_left()
    {
        var (sp, first, _, time, mailbox) = await SetUpAsync();
        await using var _ = sp;
        var lease = await first.TryAcquireAsync(mailbox, "listener A", Duration);
        var initial = lease!.ExpiresAt;
        Assert.True(await lease.EnsureHeldAsync());
        Assert.Equal(initial, lease.ExpiresAt);
        time.Advance(Duration * 0.75);
        Assert.True(await lease.EnsureHeldAsync());
        Assert.Equal(time.GetUtcNow() + Duration, lease.ExpiresAt);
    }

    [Fact]
    public async Task The_lease_row_lives_beside_the_index_without_disturbing_it()
    {
        var (sp, first, _, _, mailbox) = await SetUpAsync();
        await using var _ = sp;
        var index = sp.GetRequiredService<MailboxIndex>();
        Assert.NotNull(await first.TryAcquireAsync(mailbox, "listener A", Duration));
        Assert.Equal(SpecialUse.Defaults.Count, (await index.ListFoldersAsync(mailbox)).Count);
        Assert.Empty(await index.ListMessagesAsync(mailbox, SpecialUse.InboxId).ToListAsync());
        await index.DeleteMailboxAsync(mailbox);
        Assert.NotNull(await first.TryAcquireAsync(mailbox, "after the mailbox was deleted", Duration));
    }
}
