using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Accounts;
using Serverless.Mail.Delivery;
using Serverless.Mail.Forwarding;
using Serverless.Mail.Index;
using Xunit;

namespace Serverless.Mail.Tests.Delivery;

/// <summary>What the ingest forwards, and with which envelope sender (SRS).</summary>
public sealed class ForwardingIngestTests : IAsyncLifetime
{
    private const string Secret = "ingest test secret";
    private IngestFixture _f = null!;

    public async Task InitializeAsync()
    {
        _f = await IngestFixture.StartAsync(new Dictionary<string, string?> { ["Mail:Srs:Secret"] = Secret });
        await _f.Services.GetRequiredService<MailDirectory>().CreateAliasAsync("acme", "example.com", "away", ["friend@remote.example"]);
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private static int Junk => SpecialUse.Defaults.First(f => f.Use == SpecialUse.Junk).Id;

    [Fact]
    public async Task A_forward_leaves_with_an_SRS_sender_of_the_alias_domain_and_is_marked_for_ARC()
    {
        var handoff = await _f.HandoffAsync(IngestFixture.Message("forward me"), [IngestFixture.To("away@example.com")]);
        Assert.Equal(new IngestResult(0, 0, 0, 1), await _f.Ingest.IngestAsync(handoff));
        var outbound = Assert.Single(await _f.OutboundAsync());
        Assert.StartsWith("SRS0=", outbound.MailFrom, StringComparison.Ordinal);
        Assert.EndsWith("=remote.example=sender@example.com", outbound.MailFrom, StringComparison.Ordinal);
        Assert.Equal("example.com", outbound.ForwardedBy);
        Assert.False(outbound.Rated);
        var local = outbound.MailFrom[..outbound.MailFrom.LastIndexOf('@')];
        Assert.Equal("sender@remote.example", new SrsCodec(Secret).Reverse(local, DateOnly.FromDateTime(DateTime.UtcNow), 21).Original);
    }

    [Fact]
    public async Task A_bounce_being_forwarded_keeps_the_null_sender()
    {
        var handoff = await _f.HandoffAsync(IngestFixture.Message("bounce", from: "mailer-daemon@remote.example"), [IngestFixture.To("away@example.com")], mailFrom: "");
        await _f.Ingest.IngestAsync(handoff);
        Assert.Equal("", Assert.Single(await _f.OutboundAsync()).MailFrom);
    }

    [Fact]
    public async Task Spam_for_a_forward_only_alias_is_dropped_without_a_bounce()
    {
        var handoff = await _f.HandoffAsync(IngestFixture.Message("cheap pills"), [IngestFixture.To("away@example.com")]) with { Junk = true };
        Assert.Equal(new IngestResult(0, 0, 0, 0), await _f.Ingest.IngestAsync(handoff));
        Assert.Empty(await _f.OutboundAsync()); // neither the forward nor a DSN
        Assert.False(await _f.Store.ExistsAsync(handoff.BlobName));
    }

    [Fact]
    public async Task Spam_for_an_alias_that_also_delivers_locally_goes_to_junk_only()
    {
        var handoff = await _f.HandoffAsync(IngestFixture.Message("cheap pills"), [IngestFixture.To("fwd@example.com")]) with { Junk = true };
        Assert.Equal(new IngestResult(1, 0, 0, 0), await _f.Ingest.IngestAsync(handoff));
        Assert.Empty(await _f.OutboundAsync());
        Assert.Single(await _f.MessagesAsync(_f.Other, Junk));
    }

    [Fact]
    public async Task A_DMARC_failure_under_p_none_is_not_forwarded_and_only_the_forwarding_alias_copy_goes_to_junk()
    {
        var handoff = await _f.HandoffAsync(IngestFixture.Message("dmarc fail"), [IngestFixture.To("fwd@example.com"), IngestFixture.To(_f.User)]) with { Dmarc = "fail" };
        Assert.Equal(new IngestResult(2, 0, 0, 0), await _f.Ingest.IngestAsync(handoff));
        Assert.Empty(await _f.OutboundAsync());
        Assert.Single(await _f.MessagesAsync(_f.Other, Junk));
        Assert.Single(await _f.MessagesAsync(_f.User)); // its DMARC policy asked for nothing: a direct recipient's INBOX
    }

    [Fact]
    public async Task A_large_message_checked_by_the_ingest_that_fails_DMARC_is_not_forwarded()
    {
        _f.Dns.AddTxt("_dmarc.bank.example", "v=DMARC1; p=none");
        var raw = IngestFixture.Message("large and failing", from: "security@bank.example", body: string.Concat(Enumerable.Repeat(new string('x', 70) + "\r\n", 200)));
        var handoff = await _f.HandoffAsync(raw, [IngestFixture.To("fwd@example.com")], withSummary: false, bufferSize: 4096);
        Assert.Equal(new IngestResult(1, 0, 0, 0), await _f.Ingest.IngestAsync(handoff));
        Assert.Empty(await _f.OutboundAsync());
        var copy = Assert.Single(await _f.MessagesAsync(_f.Other, Junk));
        var text = Encoding.UTF8.GetString(await _f.BlobAsync(copy.BlobName));
        Assert.Contains("dmarc=fail", text, StringComparison.Ordinal);
    }
}
