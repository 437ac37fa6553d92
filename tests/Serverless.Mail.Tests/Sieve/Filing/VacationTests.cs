using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Serverless.Mail.Sieve;
using Serverless.Mail.Sieve.Filing;
using Serverless.Mail.Tests.Delivery;
using Serverless.Testing.Sieve;
using Xunit;

namespace Serverless.Mail.Tests.Sieve.Filing;

/// <summary>RFC 5230 at filing: who gets a reply, how often, and what it looks like (on Azurite).</summary>
public sealed class VacationTests : IAsyncLifetime
{
    private const string Script = "require \"vacation\";\nvacation :days 7 \"I am away until Monday.\";";
    private readonly TestSieveScripts _scripts = new();
    private IngestFixture _f = null!;

    public async Task InitializeAsync()
    {
        _f = await IngestFixture.StartAsync(configure: s => s.AddSingleton<ISieveScriptSource>(_scripts));
        _scripts.Set(_f.User.MailboxId, Script);
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private static string Message(string subject, string extra = "", string to = "user@example.com") =>
        $"From: sender@remote.example\r\nTo: {to}\r\nSubject: {subject}\r\n{extra}Message-ID: <{subject.Replace(' ', '.')}@remote.example>\r\n\r\nHi.\r\n";

    [Fact]
    public async Task One_reply_per_sender_per_period_with_the_RFC_headers_and_a_redelivery_sends_the_same_one()
    {
        var first = await _f.HandoffAsync(Message("first"), [IngestFixture.To(_f.User)]);
        await _f.Ingest.IngestAsync(first);
        await _f.Ingest.IngestAsync(first); // redelivered hand-off: the same reply id, deduplicated by the relay
        await _f.Ingest.IngestAsync(await _f.HandoffAsync(Message("second"), [IngestFixture.To(_f.User)]));
        var outbound = await _f.OutboundAsync();
        Assert.Equal([$"{first.Id}.{_f.User.MailboxId}.vacation"], outbound.Select(o => o.Id).Distinct());
        var reply = outbound[0];
        Assert.Equal(("", "sender@remote.example", true), (reply.MailFrom, Assert.Single(reply.Recipients).Address, reply.ShouldSign));
        using var mime = MimeMessage.Load(new MemoryStream(await _f.BlobAsync(reply.BlobName)));
        Assert.Equal("Auto: first", mime.Subject);
        Assert.Equal("auto-replied (vacation)", mime.Headers[HeaderId.AutoSubmitted]);
        Assert.Equal("first@remote.example", mime.InReplyTo);
        Assert.Equal(["first@remote.example"], mime.References);
        Assert.Equal("user@example.com", ((MailboxAddress)mime.From[0]).Address);
        Assert.Contains("I am away until Monday.", mime.TextBody, StringComparison.Ordinal);
        Assert.Equal(2, (await _f.MessagesAsync(_f.User)).Count); // vacation keeps the messages
    }

    [Theory]
    [InlineData("List-Id: <news.remote.example>\r\n")]
    [InlineData("List-Unsubscribe: <mailto:leave@remote.example>\r\n")]
    [InlineData("Precedence: bulk\r\n")]
    [InlineData("Precedence: junk\r\n")]
    [InlineData("Auto-Submitted: auto-generated\r\n")]
    public async Task Lists_bulk_and_automatic_mail_get_no_reply(string header)
    {
        await _f.Ingest.IngestAsync(await _f.HandoffAsync(Message("list", header), [IngestFixture.To(_f.User)]));
        Assert.Empty(await _f.OutboundAsync());
    }

    [Fact]
    public async Task No_reply_to_the_null_sender_to_spam_or_when_the_user_is_not_addressed()
    {
        await _f.Ingest.IngestAsync(await _f.HandoffAsync(Message("bounce"), [IngestFixture.To(_f.User)], mailFrom: ""));
        await _f.Ingest.IngestAsync(await _f.HandoffAsync(Message("spam"), [IngestFixture.To(_f.User)]) with { Junk = true });
        await _f.Ingest.IngestAsync(await _f.HandoffAsync(Message("bcc", to: "someone@remote.example"), [IngestFixture.To(_f.User)]));
        Assert.Empty(await _f.OutboundAsync());
        _scripts.Set(_f.User.MailboxId, "require \"vacation\";\nvacation :addresses \"someone@remote.example\" \"away\";");
        await _f.Ingest.IngestAsync(await _f.HandoffAsync(Message("bcc2", to: "someone@remote.example"), [IngestFixture.To(_f.User)]));
        Assert.Single(await _f.OutboundAsync()); // :addresses names the user's other address
    }

    [Fact]
    public async Task A_local_sender_gets_the_reply_in_INBOX()
    {
        var handoff = await _f.HandoffAsync(Message("from a colleague").Replace("sender@remote.example", "other@example.com", StringComparison.Ordinal),
            [IngestFixture.To(_f.User)], via: "submission", mailFrom: "other@example.com");
        await _f.Ingest.IngestAsync(handoff);
        await _f.Ingest.IngestAsync(handoff);
        Assert.Empty(await _f.OutboundAsync());
        var reply = Assert.Single(await _f.MessagesAsync(_f.Other));
        Assert.Equal("Auto: from a colleague", reply.Summary!.Envelope.Subject);
    }

    [Fact]
    public async Task The_period_is_claimed_once_and_opens_again_after_days()
    {
        var ledger = _f.Services.GetRequiredService<VacationLedger>();
        var now = DateTimeOffset.UtcNow;
        Assert.True(await ledger.TryClaimAsync("m1", "h", "a@remote.example", "handoff-1", now, 7, default));
        Assert.True(await ledger.TryClaimAsync("m1", "h", "a@remote.example", "handoff-1", now, 7, default)); // the same message again
        Assert.False(await ledger.TryClaimAsync("m1", "h", "A@remote.example", "handoff-2", now.AddDays(6), 7, default));
        Assert.True(await ledger.TryClaimAsync("m1", "other handle", "a@remote.example", "handoff-2", now.AddDays(6), 7, default));
        Assert.True(await ledger.TryClaimAsync("m1", "h", "a@remote.example", "handoff-3", now.AddDays(8), 7, default));
        // Two messages racing for one expired period: one wins.
        var race = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            ledger.TryClaimAsync("m1", "h", "a@remote.example", "race-" + i, now.AddDays(20), 7, default)));
        Assert.Equal(1, race.Count(r => r));
    }
}
