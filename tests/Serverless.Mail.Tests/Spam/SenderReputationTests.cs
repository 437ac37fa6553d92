using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Serverless.Mail.Spam;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Xunit;

namespace Serverless.Mail.Tests.Spam;

/// <summary>A sending domain's reputation: verdicts written in the background under the row's ETag, read through a cache, halved every half-life.</summary>
public sealed class SenderReputationTests : IAsyncLifetime
{
    private ServiceProvider _services = null!;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly SpamOptions _options = new() { ReputationHalfLife = TimeSpan.FromDays(1), ReputationFlushInterval = TimeSpan.FromSeconds(10) };

    public async Task InitializeAsync() => _services = await TestStorage.CreateServicesAsync();

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private MailStorage Storage => _services.GetRequiredService<MailStorage>();

    private SenderReputation NewProcess() => new(Storage, _options, _time, NullLogger<SenderReputation>.Instance);

    private async Task<TableEntity?> RowAsync(string domain)
    {
        var row = await Storage.Table(StorageNames.ReputationTable).GetEntityIfExistsAsync<TableEntity>(domain, "r");
        return row.HasValue ? row.Value : null;
    }

    private async Task<TableEntity> WrittenAsync(string domain, double spam)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (await RowAsync(domain) is { } row && row.GetDouble("Spam") >= spam)
            {
                return row;
            }
            Assert.True(DateTime.UtcNow < deadline, "the reputation row was not written");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Verdicts_are_written_once_per_interval_added_by_two_processes_and_decay_by_half_life()
    {
        var one = NewProcess();
        var two = NewProcess();
        Assert.Null(await one.GetAsync("bulk.example", default));
        for (var i = 0; i < 4; i++)
        {
            one.Record("Bulk.Example", spam: true);
        }
        two.Record("bulk.example", spam: true);
        two.Record("bulk.example", spam: false);
        // Not written yet, but this process counts its own verdicts at once.
        Assert.Null(await RowAsync("bulk.example"));
        Assert.Equal(4, (await one.GetAsync("bulk.example", default))!.Value.Spam, 3);

        _time.Advance(TimeSpan.FromSeconds(10));
        var row = await WrittenAsync("bulk.example", 5);
        Assert.Equal(1, row.GetDouble("Ham")); // both processes' verdicts, neither lost to the other (ETag)

        // A day later (one half-life) a fresh process reads half of it.
        _time.Advance(TimeSpan.FromDays(1));
        var counts = (await NewProcess().GetAsync("bulk.example", default))!.Value;
        Assert.Equal(2.5, counts.Spam, 2);
        Assert.Equal(0.5, counts.Ham, 2);
        Assert.True(counts.Leaning > 0.3);
    }
}
