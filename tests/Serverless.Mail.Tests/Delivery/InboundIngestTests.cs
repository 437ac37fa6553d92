using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Accounts;
using Serverless.Mail.Delivery;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Xunit;

namespace Serverless.Mail.Tests.Delivery;

public sealed class InboundIngestTests : IAsyncLifetime
{
    private IngestFixture _f = null!;

    public async Task InitializeAsync() => _f = await IngestFixture.StartAsync();

    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task A_hand_off_with_its_summary_is_filed_in_one_index_transaction_and_a_redelivery_files_nothing()
    {
        // Warm the process's cached counter rows, as a running ingest has them.
        await _f.Ingest.IngestAsync(await _f.HandoffAsync(IngestFixture.Message("warm-up"), [IngestFixture.To(_f.User)]));

        var handoff = await _f.HandoffAsync(IngestFixture.Message("measured"), [IngestFixture.To(_f.User)]);
        var before = _f.Meter.TotalRequests;
        var result = await _f.Ingest.IngestAsync(handoff);
        Assert.Equal(new IngestResult(1, 0, 0, 0), result);
        Assert.Equal(1, _f.Meter.TotalRequests - before); // the index transaction; no blob read, no directory read

        var again = await _f.Ingest.IngestAsync(handoff);
        Assert.Equal(new IngestResult(0, 1, 0, 0), again);
        var inbox = await _f.MessagesAsync(_f.User);
        var filed = Assert.Single(inbox, m => m.Summary!.Envelope.Subject == "measured");
        Assert.Equal(handoff.BlobName, filed.BlobName);
        Assert.False(filed.SharedBlob);
        Assert.Equal(handoff.ReceivedAt, filed.InternalDate);
    }

    [Fact]
    public async Task An_alias_with_two_targets_files_one_copy_each_on_one_shared_blob()
    {
        var handoff = await _f.HandoffAsync(IngestFixture.Message("to the team"), [IngestFixture.To("team@example.com"), IngestFixture.To("user@example.com")]);
        Assert.Equal(new IngestResult(2, 0, 0, 0), await _f.Ingest.IngestAsync(handoff));
        Assert.Equal(new IngestResult(0, 2, 0, 0), await _f.Ingest.IngestAsync(handoff));
        var mine = Assert.Single(await _f.MessagesAsync(_f.User));
        var theirs = Assert.Single(await _f.MessagesAsync(_f.Other));
        Assert.True(mine.SharedBlob && theirs.SharedBlob);
        Assert.Equal(handoff.Id + "|" + _f.User.MailboxId, mine.HolderId);
        // Expunging one copy keeps the blob for the other; the last one takes it.
        await _f.Index.ExpungeAsync(_f.User.MailboxId, SpecialUse.InboxId, [mine.Uid]);
        Assert.True(await _f.Store.ExistsAsync(handoff.BlobName));
        await _f.Index.ExpungeAsync(_f.Other.MailboxId, SpecialUse.InboxId, [theirs.Uid]);
        Assert.False(await _f.Store.ExistsAsync(handoff.BlobName));
    }

    [Fact]
    public async Task External_forwarding_targets_go_to_the_outbound_queue_sharing_the_blob()
    {
        var handoff = await _f.HandoffAsync(IngestFixture.Message("forward me"), [IngestFixture.To("fwd@example.com")]);
        Assert.Equal(new IngestResult(1, 0, 0, 1), await _f.Ingest.IngestAsync(handoff));
        var outbound = Assert.Single(await _f.OutboundAsync());
        Assert.Equal(handoff.Id + ".fwd", outbound.Id);
        Assert.False(outbound.ShouldSign); // a forwarded copy is not the tenant's to vouch for
        Assert.Equal("friend@remote.example", Assert.Single(outbound.Recipients).Address);
        Assert.Equal(("acme", "sender@remote.example", handoff.BlobName), (outbound.TenantId, outbound.MailFrom, outbound.BlobName));
        Assert.Equal(handoff.Id + "|fwd", outbound.Holder);
        var copy = Assert.Single(await _f.MessagesAsync(_f.Other));
        await _f.Index.ExpungeAsync(_f.Other.MailboxId, SpecialUse.InboxId, [copy.Uid]);
        Assert.True(await _f.Store.ExistsAsync(handoff.BlobName)); // the relay still holds it
        await _f.Services.GetRequiredService<BlobHolders>().ReleaseAsync(outbound.BlobName, outbound.Holder, shared: true);
        Assert.False(await _f.Store.ExistsAsync(handoff.BlobName));
    }

    [Fact]
    public async Task Over_quota_returns_a_dsn_to_a_local_sender_and_drops_the_blob()
    {
        var directory = _f.Services.GetRequiredService<MailDirectory>();
        var small = await directory.CreateMailboxAsync("acme", MailAddress.Parse("small@example.com"), "pw-small-123", null, quotaBytes: 10);
        var handoff = await _f.HandoffAsync(IngestFixture.Message("too big", from: "user@example.com"), [IngestFixture.To(small)], mailFrom: "user@example.com");
        Assert.Equal(new IngestResult(0, 0, 1, 0), await _f.Ingest.IngestAsync(handoff));
        Assert.Empty(await _f.MessagesAsync(small));
        Assert.False(await _f.Store.ExistsAsync(handoff.BlobName));
        var dsn = Assert.Single(await _f.MessagesAsync(_f.User));
        Assert.Equal("Undelivered Mail Returned to Sender", dsn.Summary!.Envelope.Subject);
        var text = Encoding.UTF8.GetString(await _f.BlobAsync(dsn.BlobName));
        Assert.Contains("Status: 5.2.2", text, StringComparison.Ordinal);
        Assert.Contains("Final-Recipient: rfc822; small@example.com", text, StringComparison.Ordinal);
        Assert.Contains("Subject: too big", text, StringComparison.Ordinal);
        // A retried hand-off does not bounce twice.
        await _f.Ingest.IngestAsync(handoff with { Id = handoff.Id });
        Assert.Single(await _f.MessagesAsync(_f.User));
    }

    [Fact]
    public async Task Unknown_recipients_bounce_to_a_remote_sender_through_the_outbound_queue_unless_notify_says_never()
    {
        var handoff = await _f.HandoffAsync(IngestFixture.Message("lost"), [IngestFixture.To("gone@example.com"), new() { Address = "also-gone@example.com", Notify = "NEVER" }]);
        Assert.Equal(new IngestResult(0, 0, 2, 0), await _f.Ingest.IngestAsync(handoff));
        var dsn = Assert.Single(await _f.OutboundAsync());
        Assert.Equal(("", "sender@remote.example"), (dsn.MailFrom, Assert.Single(dsn.Recipients).Address));
        var text = Encoding.UTF8.GetString(await _f.BlobAsync(dsn.BlobName));
        Assert.Contains("gone@example.com", text, StringComparison.Ordinal);
        Assert.DoesNotContain("also-gone@example.com", text.Split("Content-Type: text/rfc822-headers")[0].Split("message/delivery-status")[1], StringComparison.Ordinal);
        Assert.False(await _f.Store.ExistsAsync(handoff.BlobName));
        // Nothing for the null sender.
        var bounce = await _f.HandoffAsync(IngestFixture.Message("bounce"), [IngestFixture.To("gone@example.com")], mailFrom: "");
        await _f.Ingest.IngestAsync(bounce);
        Assert.Single(await _f.OutboundAsync());
    }

    [Fact]
    public async Task A_shared_submission_hand_off_releases_its_own_holder_once_filed()
    {
        var handoff = await _f.HandoffAsync(IngestFixture.Message("mixed"), [IngestFixture.To(_f.Other)], via: "submission");
        handoff = handoff with { Holder = handoff.Id + "|in" };
        var holders = _f.Services.GetRequiredService<BlobHolders>();
        await holders.AddAsync(handoff.BlobName, [handoff.Id + "|in", handoff.Id + "|out"]);
        await _f.Ingest.IngestAsync(handoff);
        var copy = Assert.Single(await _f.MessagesAsync(_f.Other));
        Assert.True(copy.SharedBlob);
        await holders.ReleaseAsync(handoff.BlobName, handoff.Id + "|out", shared: true); // the relay is done
        Assert.True(await _f.Store.ExistsAsync(handoff.BlobName));
        await _f.Index.ExpungeAsync(_f.Other.MailboxId, SpecialUse.InboxId, [copy.Uid]);
        Assert.False(await _f.Store.ExistsAsync(handoff.BlobName));
    }

    [Fact]
    public async Task A_large_mx_message_is_read_once_checked_and_gets_its_header_prepended_without_copying_the_body()
    {
        _f.Dns.AddTxt("remote.example", "v=spf1 ip4:192.0.2.0/24 -all");
        var raw = IngestFixture.Message("large one", body: string.Concat(Enumerable.Repeat(new string('q', 98) + "\r\n", 200)));
        var handoff = await _f.HandoffAsync(raw, [IngestFixture.To(_f.User)], withSummary: false, bufferSize: 4096);
        Assert.Equal(new IngestResult(1, 0, 0, 0), await _f.Ingest.IngestAsync(handoff));
        var filed = Assert.Single(await _f.MessagesAsync(_f.User));
        var blob = await _f.BlobAsync(handoff.BlobName);
        var text = Encoding.UTF8.GetString(blob);
        Assert.StartsWith("Authentication-Results: mail.test;\r\n\tspf=pass smtp.mailfrom=sender@remote.example;\r\n\tdkim=none;\r\n\tdmarc=none", text, StringComparison.Ordinal);
        Assert.EndsWith(raw, text, StringComparison.Ordinal);
        Assert.Equal(blob.Length, filed.Size);
        Assert.Equal(blob.Length, filed.Summary!.Body.EndOffset);
        Assert.Equal("large one", filed.Summary.Envelope.Subject);
        Assert.Equal(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4, filed.Summary.HeaderLength);
        // A redelivery reads the blob again (no summary in the hand-off) but adds no second header.
        await _f.Ingest.IngestAsync(handoff);
        Assert.Equal(blob, await _f.BlobAsync(handoff.BlobName));
    }

    [Fact]
    public async Task Dmarc_reject_failures_are_filed_into_junk()
    {
        _f.Dns.AddTxt("_dmarc.bank.example", "v=DMARC1; p=reject");
        _f.Dns.AddTxt("bank.example", "v=spf1 ip4:198.51.100.0/24 -all");
        var raw = IngestFixture.Message("your account", from: "security@bank.example", body: string.Concat(Enumerable.Repeat(new string('p', 98) + "\r\n", 100)));
        var handoff = await _f.HandoffAsync(raw, [IngestFixture.To(_f.User)], withSummary: false, mailFrom: "security@bank.example", bufferSize: 4096);
        await _f.Ingest.IngestAsync(handoff);
        Assert.Empty(await _f.MessagesAsync(_f.User));
        var junk = Assert.Single(await _f.MessagesAsync(_f.User, SpecialUse.Defaults.First(d => d.Use == SpecialUse.Junk).Id));
        var text = Encoding.UTF8.GetString(await _f.BlobAsync(junk.BlobName));
        Assert.StartsWith("Authentication-Results: mail.test;\r\n\tspf=fail smtp.mailfrom=security@bank.example;\r\n\tdkim=none;\r\n\tdmarc=fail (p=reject) header.from=bank.example;\r\n\tarc=none\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hand_off_delivered_again_after_its_header_was_added_keeps_its_junk_verdict()
    {
        _f.Dns.AddTxt("_dmarc.bank.example", "v=DMARC1; p=reject");
        _f.Dns.AddTxt("bank.example", "v=spf1 ip4:198.51.100.0/24 -all");
        var raw = IngestFixture.Message("your account", from: "security@bank.example", body: string.Concat(Enumerable.Repeat(new string('p', 98) + "\r\n", 100)));
        var handoff = await _f.HandoffAsync(raw, [IngestFixture.To(_f.User)], withSummary: false, mailFrom: "security@bank.example", bufferSize: 4096);
        // A first ingest checks the message and puts its header in front, then dies before filing it.
        var first = await _f.Services.GetRequiredService<InboundAuthentication>().ReadAndCheckAsync(handoff);
        Assert.True(first!.Junk);
        first.Message.Dispose();

        await _f.Ingest.IngestAsync(handoff);

        Assert.Empty(await _f.MessagesAsync(_f.User));
        Assert.Single(await _f.MessagesAsync(_f.User, SpecialUse.Defaults.First(d => d.Use == SpecialUse.Junk).Id));
    }
}
