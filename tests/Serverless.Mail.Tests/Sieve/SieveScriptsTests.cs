using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Serverless.Mail.Index;
using Serverless.Mail.Sieve;
using Serverless.Mail.Sieve.Scripts;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Xunit;

namespace Serverless.Mail.Tests.Sieve;

public sealed class SieveScriptsTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-12-03T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<(ServiceProvider Services, SieveScripts Scripts, FakeTimeProvider Time)> SetUpAsync(IDictionary<string, string?>? extra = null)
    {
        var time = new FakeTimeProvider(Now);
        var sp = await TestStorage.CreateServicesAsync(extra: extra, configure: s => s.AddSingleton<TimeProvider>(time));
        return (sp, sp.GetRequiredService<SieveScripts>(), time);
    }

    [Fact]
    public async Task A_script_of_64_KiB_in_UTF8_is_stored_in_two_halves_and_read_back_exactly_and_one_more_octet_is_refused()
    {
        var (sp, scripts, _) = await SetUpAsync();
        await using var _ = sp;
        var text = "# " + string.Concat(Enumerable.Repeat("\u00e4", 32 * 1024 - 2)) + "\r\n"; // 65,536 octets: 2 + 65,530 + 2, a multi-byte character across the 32 KiB cut
        Assert.Equal(SieveOptions.StorableScriptBytes, System.Text.Encoding.UTF8.GetByteCount(text));
        Assert.Equal(SieveChange.Done, await scripts.PutAsync("m1", "big", text, default));
        Assert.Equal(text, await scripts.GetAsync("m1", "big", default));
        Assert.Equal(SieveChange.TooLarge, await scripts.PutAsync("m1", "bigger", text + "x", default));
        Assert.Equal(SieveChange.Done, await scripts.SetActiveAsync("m1", "big", default));
        Assert.Equal(text, (await scripts.ReadActiveAsync("m1", default)).Text);
    }

    [Fact]
    public async Task Mailboxes_keep_their_scripts_apart_and_deleting_a_mailbox_deletes_its_scripts()
    {
        var (sp, scripts, _) = await SetUpAsync();
        await using var _ = sp;
        await scripts.PutAsync("m1", "a", "keep;", default);
        await scripts.SetActiveAsync("m1", "a", default);
        await scripts.PutAsync("m2", "b", "discard;", default);
        Assert.Equal([new SieveScriptInfo("a", true)], await scripts.ListAsync("m1", default));
        Assert.Equal([new SieveScriptInfo("b", false)], await scripts.ListAsync("m2", default));

        await sp.GetRequiredService<MailboxIndex>().DeleteMailboxAsync("m1");
        Assert.Empty(await scripts.ListAsync("m1", default));
        Assert.Equal((null, null, null), await scripts.ReadActiveAsync("m1", default));
        Assert.Single(await scripts.ListAsync("m2", default));
    }

    [Fact]
    public async Task Concurrent_changes_serialise_on_the_state_row_and_none_is_lost()
    {
        var (sp, scripts, _) = await SetUpAsync(new Dictionary<string, string?> { ["Mail:Sieve:MaxScripts"] = "30" });
        await using var _ = sp;
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => scripts.PutAsync("m1", $"s{i}", "keep;", default)));
        Assert.All(results, r => Assert.Equal(SieveChange.Done, r));
        Assert.Equal(8, (await scripts.ListAsync("m1", default)).Count);
    }

    [Fact]
    public async Task The_ingest_reads_one_row_per_cache_period_and_sees_a_change_after_it()
    {
        var (sp, scripts, time) = await SetUpAsync(new Dictionary<string, string?> { ["Mail:Sieve:ActiveScriptCacheDuration"] = "00:00:30" });
        await using var _ = sp;
        var source = sp.GetRequiredService<ISieveScriptSource>();
        var meter = sp.GetRequiredService<StorageRequestMeter>();
        await scripts.PutAsync("m1", "a", "keep;", default);
        await scripts.SetActiveAsync("m1", "a", default);

        var before = meter.TotalRequests;
        var first = await source.GetActiveAsync("m1", default);
        Assert.Equal(1, meter.TotalRequests - before);
        await scripts.PutAsync("m1", "a", "discard;", default);
        before = meter.TotalRequests;
        Assert.Equal(first, await source.GetActiveAsync("m1", default)); // cached
        Assert.Equal(0, meter.TotalRequests - before);

        time.Advance(TimeSpan.FromSeconds(31));
        var second = await source.GetActiveAsync("m1", default);
        Assert.Equal("discard;", second!.Text);
        Assert.NotEqual(first!.Version, second.Version);
    }

    [Fact]
    public async Task A_managed_vacation_is_composed_into_the_active_script_until_its_end()
    {
        var (sp, scripts, time) = await SetUpAsync(new Dictionary<string, string?> { ["Mail:Sieve:ActiveScriptCacheDuration"] = "00:00:00" });
        await using var _ = sp;
        var source = sp.GetRequiredService<ISieveScriptSource>();
        var vacation = new VacationSettings(true, "Away", "Back on Monday.", null, Now.AddDays(1), 7);
        await scripts.SetVacationAsync("m1", vacation, default);
        Assert.Equal(vacation, await scripts.GetVacationAsync("m1", default));

        var alone = await source.GetActiveAsync("m1", default);
        Assert.Equal(ManagedVacation.ScriptName, alone!.Name);
        Assert.Equal("require \"vacation\";\r\n# Managed vacation (set through the API)\r\nvacation :days 7 :subject \"Away\" \"Back on Monday.\";\r\n", alone.Text);

        await scripts.PutAsync("m1", "mine", "require \"fileinto\";\r\nfileinto \"Later\";\r\n", default);
        await scripts.SetActiveAsync("m1", "mine", default);
        var both = await source.GetActiveAsync("m1", default);
        Assert.Equal("mine", both!.Name);
        Assert.Equal(
            "require \"vacation\";\r\nrequire \"fileinto\";\r\n# Managed vacation (set through the API)\r\nvacation :days 7 :subject \"Away\" \"Back on Monday.\";\r\n\r\nfileinto \"Later\";\r\n",
            both.Text);

        time.Advance(TimeSpan.FromDays(1));
        var after = await source.GetActiveAsync("m1", default);
        Assert.Equal("require \"fileinto\";\r\nfileinto \"Later\";\r\n", after!.Text);
    }
}
