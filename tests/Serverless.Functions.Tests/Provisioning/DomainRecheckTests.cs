using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Serverless.Functions.Timers;
using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Outbound;
using Serverless.Mail.Provisioning;
using Serverless.Testing.Outbound;
using Xunit;

namespace Serverless.Functions.Tests.Provisioning;

/// <summary>Issue 14: the daily re-check returns a domain whose TXT record has been missing for 7 days to pending and tells its postmaster.</summary>
public sealed class DomainRecheckTests
{
    [Fact]
    public async Task A_record_missing_for_seven_days_returns_the_domain_to_pending_and_the_postmaster_is_told()
    {
        using var dns = new TestDnsServer();
        await using var host = await ApiTestHost.StartAsync(new Dictionary<string, string?> { ["Mail:Dns:Servers"] = dns.Setting });
        var sp = host.Services;
        var directory = sp.GetRequiredService<MailDirectory>();
        await directory.CreateTenantAsync("acme", "Acme");
        await directory.AddDomainAsync("acme", "kept.test", null, "tok-kept", verified: true);
        dns.AddTxt("_serverless-mail.kept.test", "serverless-mail-verify=tok-kept");
        await directory.AddDomainAsync("acme", "lapsed.test", null, "tok-lapsed", verified: true);
        var pm = await directory.CreateMailboxAsync("acme", MailAddress.Parse("pm@lapsed.test"), "a long password", null, 0);
        await directory.AddDomainAsync("acme", "back.test", null, "tok-back", verified: true);
        await directory.AddDomainAsync("acme", "quiet.test", null, "tok-quiet", verified: true); // no mailbox: the notice is logged

        var start = DateTimeOffset.Parse("2026-12-01T04:41:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var time = new FakeTimeProvider(start);
        var ownership = new DomainOwnership(directory, sp.GetRequiredService<RecipientResolver>(), sp.GetRequiredService<MessageStore>(),
            sp.GetRequiredService<MailboxIndex>(), sp.GetRequiredService<MailDns>(), sp.GetRequiredService<ProvisioningOptions>(), time,
            NullLogger<DomainOwnership>.Instance);
        var timer = new DomainRecheckFunction(ownership);

        await timer.Run(new Microsoft.Azure.Functions.Worker.TimerInfo(), CancellationToken.None);
        Assert.Equal(start, (await directory.GetDomainAsync("lapsed.test"))!.MissingSince);
        Assert.Null((await directory.GetDomainAsync("kept.test"))!.MissingSince);
        for (var day = 1; day <= 6; day++)
        {
            time.Advance(TimeSpan.FromDays(1));
            if (day == 3)
            {
                dns.AddTxt("_serverless-mail.back.test", "serverless-mail-verify=tok-back"); // found again: the count starts over
            }
            await timer.Run(new Microsoft.Azure.Functions.Worker.TimerInfo(), CancellationToken.None);
            Assert.NotNull(await directory.GetDomainAsync("lapsed.test"));
        }
        Assert.Null((await directory.GetDomainAsync("back.test"))!.MissingSince);
        Assert.Empty(await ListAsync(sp, pm.MailboxId));

        time.Advance(TimeSpan.FromDays(1)); // day 7
        Assert.Equal(["lapsed.test", "quiet.test"], (await ownership.RecheckAsync()).Order(StringComparer.Ordinal));
        Assert.Null(await directory.GetDomainAsync("lapsed.test"));
        Assert.Equal(DomainStatus.Pending, (await directory.GetDomainAsync("acme", "lapsed.test"))!.Status);
        Assert.NotNull(await directory.GetDomainAsync("kept.test"));
        Assert.NotNull(await directory.GetDomainAsync("back.test"));
        Assert.False((await sp.GetRequiredService<RecipientResolver>().ResolveAsync(MailAddress.Parse("pm@lapsed.test"))).Hosted);

        var notice = Assert.Single(await ListAsync(sp, pm.MailboxId));
        Assert.Equal("lapsed.test is no longer verified", notice.Summary!.Envelope.Subject);
        await using var stream = await sp.GetRequiredService<MessageStore>().OpenReadAsync(notice.BlobName);
        using var reader = new StreamReader(stream);
        Assert.Contains("_serverless-mail.lapsed.test", await reader.ReadToEndAsync(), StringComparison.Ordinal);

        // A run on the same day again finds nothing more to do.
        Assert.Empty(await ownership.RecheckAsync());
    }

    private static async Task<List<IndexedMessage>> ListAsync(IServiceProvider sp, string mailboxId)
    {
        var list = new List<IndexedMessage>();
        await foreach (var m in sp.GetRequiredService<MailboxIndex>().ListMessagesAsync(mailboxId, SpecialUse.InboxId, includeSummary: true))
        {
            list.Add(m);
        }
        return list;
    }
}
