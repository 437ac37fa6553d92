using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using Serverless.Mail.Messages;
using Serverless.Mail.Outbound;
using Serverless.Mail.Queues;
using Xunit;

namespace Serverless.Mail.Tests.Outbound;

public sealed class OutboundRelayTests
{
    private static HeaderList Group(MimeMessage dsn) => ((MessageDeliveryStatus)((MultipartReport)dsn.Body!)[1]).StatusGroups[1];

    private static string Raw(string to, string subject = "Quarterly report") => DeliveryFixture.Message(RelayFixture.Sender, to, subject);

    [Fact]
    public async Task A_temporary_failure_is_retried_and_each_recipient_gets_the_message_exactly_once()
    {
        await using var f = await RelayFixture.StartAsync();
        f.Dns.AddMx("fast.test", 10, "mx.fast.test");
        f.Dns.AddA("mx.fast.test", "127.0.0.20");
        f.Dns.AddMx("slow.test", 10, "mx.slow.test");
        f.Dns.AddA("mx.slow.test", "127.0.0.21");
        await using var fast = f.Smtp("127.0.0.20");
        await using var slow = f.Smtp("127.0.0.21", s => s.DataReply = n => n == 0 ? "451 4.3.0 Try again later" : null);
        var message = await f.SubmitAsync(Raw("a@fast.test"), RelayFixture.Sender, ["a@fast.test", "b@slow.test"]);

        var invocations = await f.DrainAsync();

        Assert.Single(fast.Messages);
        Assert.Single(slow.Messages);
        Assert.Equal(2, slow.Connections); // refused once, then accepted
        Assert.True(invocations >= 2);
        var state = await f.StateAsync(message.Id);
        Assert.NotNull(state);
        Assert.True(state.Done);
        Assert.All(state.Recipients, r => Assert.Equal(RecipientState.Delivered, r.State));
        Assert.Equal([1, 2], state.Recipients.Select(r => r.Attempts));
        Assert.False(await f.Services.GetRequiredService<MessageStore>().ExistsAsync(message.BlobName));
        Assert.Empty(await f.InboxAsync()); // no DSN for plain success

        // A redelivered copy of the queue message (any generation) sends nothing again.
        await f.Services.GetRequiredService<MailQueues>().SendOutboundAsync(message);
        await f.Services.GetRequiredService<MailQueues>().SendOutboundAsync(message with { Attempt = 1 });
        await f.DrainAsync(TimeSpan.FromSeconds(0.5));
        Assert.Single(fast.Messages);
        Assert.Single(slow.Messages);
    }

    [Fact]
    public async Task A_message_sent_to_several_domains_at_once_reaches_each_byte_for_byte()
    {
        // The parts of a relayed message read from one temporary file; domains delivered in
        // parallel once read each other's file positions and sent garbled or broken-off data.
        await using var f = await RelayFixture.StartAsync();
        var servers = new List<Serverless.Testing.Outbound.TestSmtpServer>();
        for (var i = 0; i < 4; i++)
        {
            f.Dns.AddMx($"d{i}.test", 10, $"mx.d{i}.test");
            f.Dns.AddA($"mx.d{i}.test", $"127.0.0.{40 + i}");
            servers.Add(f.Smtp($"127.0.0.{40 + i}"));
        }
        try
        {
            var attachment = new byte[300_000];
            new Random(5).NextBytes(attachment);
            var raw = $"From: Alice <{RelayFixture.Sender}>\r\nTo: many@d0.test\r\nSubject: Big\r\nMessage-ID: <big@sender.test>\r\n" +
                "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n" +
                "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
                Convert.ToBase64String(attachment, Base64FormattingOptions.InsertLineBreaks) + "\r\n--b--\r\n";
            await f.SubmitAsync(raw, RelayFixture.Sender, Enumerable.Range(0, 4).Select(i => $"r@d{i}.test"));

            await f.DrainAsync();

            var received = servers.Select(s => Assert.Single(s.Messages).Data).ToList();
            Assert.All(received, data => Assert.Equal(received[0], data));
            using var parsed = MimeMessage.Load(new MemoryStream(received[0]));
            var part = Assert.IsType<MimePart>(((Multipart)parsed.Body!)[1]);
            using var content = new MemoryStream();
            await part.Content!.DecodeToAsync(content);
            Assert.Equal(attachment, content.ToArray());
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_5xx_puts_a_dsn_with_the_original_headers_into_the_senders_inbox()
    {
        await using var f = await RelayFixture.StartAsync();
        f.Dns.AddMx("remote.test", 10, "mx.remote.test");
        f.Dns.AddA("mx.remote.test", "127.0.0.22");
        await using var server = f.Smtp("127.0.0.22", s => s.RcptReply = r => r.StartsWith("ghost", StringComparison.Ordinal) ? "550 5.1.1 <ghost@remote.test>: no such user" : null);
        var raw = Raw("ghost@remote.test", "Budget 2027");
        var message = await f.SubmitAsync(raw, RelayFixture.Sender, ["ghost@remote.test", "real@remote.test"]);

        await f.DrainAsync();

        Assert.Equal(["real@remote.test"], Assert.Single(server.Messages).Recipients);
        var dsn = Assert.Single(await f.InboxAsync());
        Assert.Equal("Undelivered Mail Returned to Sender", dsn.Subject);
        Assert.Equal("auto-replied", dsn.Headers["Auto-Submitted"]);
        var report = Assert.IsType<MultipartReport>(dsn.Body);
        Assert.Equal("delivery-status", report.ReportType);
        var status = Assert.IsType<MessageDeliveryStatus>(report[1]);
        var group = Assert.Single(status.StatusGroups.Skip(1), g => g.Count > 0);
        Assert.Equal("rfc822; ghost@remote.test", group["Final-Recipient"]);
        Assert.Equal("failed", group["Action"]);
        Assert.Equal("5.1.1", group["Status"]);
        Assert.Contains("no such user", group["Diagnostic-Code"], StringComparison.Ordinal);
        Assert.Contains("mx.remote.test", group["Remote-MTA"], StringComparison.Ordinal);
        var headers = Assert.IsType<TextRfc822Headers>(report[2]);
        Assert.Equal("Budget 2027", headers.Message!.Subject);
        var original = MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(raw)));
        Assert.Equal(original.MessageId, headers.Message.MessageId);
        Assert.Contains("Content-Type: text/plain; charset=utf-8", headers.ToString(), StringComparison.Ordinal);
        var state = await f.StateAsync(message.Id);
        Assert.True(state!.Done);
        Assert.All(state.Recipients, r => Assert.True(r.Reported));
        // Stored as mail is stored: CRLF line ends only.
        var bytes = Assert.Single(await f.InboxRawAsync());
        Assert.All(Enumerable.Range(0, bytes.Length).Where(i => bytes[i] == '\n'), i => Assert.Equal((byte)'\r', bytes[i - 1]));
    }

    [Fact]
    public async Task A_null_mx_bounces_at_once()
    {
        await using var f = await RelayFixture.StartAsync();
        f.Dns.AddMx("nomail.test", 0, ".");
        await f.SubmitAsync(Raw("x@nomail.test"), RelayFixture.Sender, ["x@nomail.test"]);

        await f.DrainAsync();

        var dsn = Assert.Single(await f.InboxAsync());
        Assert.Equal("5.1.10", Group(dsn)["Status"]);
    }

    [Fact]
    public async Task Mail_from_the_null_sender_never_bounces()
    {
        await using var f = await RelayFixture.StartAsync();
        f.Dns.AddMx("nomail.test", 0, ".");
        var message = await f.SubmitAsync(Raw("x@nomail.test"), "", ["x@nomail.test"]);

        await f.DrainAsync();

        Assert.Empty(await f.InboxAsync());
        Assert.Empty((await f.Storage.Outbound.PeekMessagesAsync(10)).Value);
        Assert.True((await f.StateAsync(message.Id))!.Done);
    }

    [Fact]
    public async Task Recipients_in_hosted_domains_go_to_the_inbound_path_not_to_mx()
    {
        await using var f = await RelayFixture.StartAsync();
        var message = await f.SubmitAsync(Raw("bob@sender.test"), RelayFixture.Sender, ["bob@sender.test"]);

        await f.DrainAsync();

        var handoff = MailQueues.ParseInbound(Assert.Single((await f.Storage.Inbound.PeekMessagesAsync(10)).Value).Body.ToString());
        Assert.Equal("bob@sender.test", Assert.Single(handoff.Recipients).Address);
        Assert.Equal(RelayFixture.Sender, handoff.MailFrom);
        Assert.NotEqual(message.BlobName, handoff.BlobName); // the inbound path owns its own copy
        Assert.True(await f.Services.GetRequiredService<MessageStore>().ExistsAsync(handoff.BlobName));
        Assert.Equal(RecipientState.Delivered, Assert.Single((await f.StateAsync(message.Id))!.Recipients).State);
    }

    [Fact]
    public async Task Recipients_still_failing_when_the_lifetime_ends_bounce_after_one_delay_warning()
    {
        // The relay's clock is the test's: the first attempt happens at the moment of submission
        // however slow the machine, and the lifetime ends when the test says so.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(-1));
        await using var f = await RelayFixture.StartAsync(new Dictionary<string, string?>
        {
            ["Mail:Outbound:MaxLifetime"] = "01:00:00",
            ["Mail:Outbound:DelayWarningAfter"] = "00:00:00",
        }, s => s.AddSingleton<TimeProvider>(time));
        f.Dns.AddMx("busy.test", 10, "mx.busy.test");
        f.Dns.AddA("mx.busy.test", "127.0.0.23");
        await using var server = f.Smtp("127.0.0.23", s => s.RcptReply = _ => "452 4.2.2 Mailbox full, try later");
        var message = await f.SubmitAsync(Raw("x@busy.test"), RelayFixture.Sender, ["x@busy.test"]);
        time.SetUtcNow(message.SubmittedAt);

        await f.AttemptOnceAsync(); // refused for now: the delay warning goes out, a retry is queued
        Assert.False((await f.StateAsync(message.Id))!.Done);
        time.Advance(TimeSpan.FromHours(1));
        await f.DrainAsync(timeout: TimeSpan.FromSeconds(30));

        var inbox = await f.InboxAsync();
        Assert.Equal(2, inbox.Count);
        var delayed = Assert.Single(inbox, m => m.Subject?.StartsWith("Delayed", StringComparison.Ordinal) == true);
        var delayedGroup = Group(delayed);
        Assert.Equal("delayed", delayedGroup["Action"]);
        Assert.NotNull(delayedGroup["Will-Retry-Until"]);
        var failed = Assert.Single(inbox, m => m.Subject?.StartsWith("Undelivered", StringComparison.Ordinal) == true);
        var failedGroup = Group(failed);
        Assert.Equal("4.4.7", failedGroup["Status"]);
        Assert.Contains("Mailbox full", failedGroup["Diagnostic-Code"], StringComparison.Ordinal);
        Assert.Empty(server.Messages);
        Assert.True((await f.StateAsync(message.Id))!.Done);
    }

    [Fact]
    public async Task The_sending_rate_limit_defers_what_is_over_it_without_sending()
    {
        await using var f = await RelayFixture.StartAsync(new Dictionary<string, string?> { ["Mail:Outbound:RateLimit:PerMailboxPerHour"] = "3" });
        f.Dns.AddMx("remote.test", 10, "mx.remote.test");
        f.Dns.AddA("mx.remote.test", "127.0.0.24");
        await using var server = f.Smtp("127.0.0.24");
        var first = await f.SubmitAsync(Raw("a@remote.test"), RelayFixture.Sender, ["a@remote.test", "b@remote.test"]);
        await f.DrainAsync(TimeSpan.FromSeconds(0.3));
        var second = await f.SubmitAsync(Raw("c@remote.test"), RelayFixture.Sender, ["c@remote.test", "d@remote.test"]);
        await f.Relay.RelayAsync(second);

        Assert.Single(server.Messages);
        Assert.True((await f.StateAsync(first.Id))!.Done);
        var deferred = (await f.StateAsync(second.Id))!;
        Assert.False(deferred.Done);
        Assert.All(deferred.Recipients, r => Assert.Equal(("4.7.0", RecipientState.Pending), (r.Status, r.State)));
        Assert.True(deferred.NextAttemptAt > DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task A_shared_blob_is_released_through_its_holder_not_deleted()
    {
        await using var f = await RelayFixture.StartAsync();
        f.Dns.AddMx("remote.test", 10, "mx.remote.test");
        f.Dns.AddA("mx.remote.test", "127.0.0.25");
        await using var server = f.Smtp("127.0.0.25");
        var holders = f.Services.GetRequiredService<BlobHolders>();
        OutboundRelayMessage? sent = null;
        sent = await f.SubmitAsync(Raw("a@remote.test"), RelayFixture.Sender, ["a@remote.test"], m => m with { Holder = "out-" + m.Id });
        await holders.AddAsync(sent.BlobName, ["out-" + sent.Id, "mailbox-row"]);

        await f.DrainAsync();

        Assert.Single(server.Messages);
        var store = f.Services.GetRequiredService<MessageStore>();
        Assert.True(await store.ExistsAsync(sent.BlobName)); // the local copy still holds it
        await holders.ReleaseAsync(sent.BlobName, "mailbox-row", shared: true);
        Assert.False(await store.ExistsAsync(sent.BlobName));
    }

    [Fact]
    public async Task The_cleanup_removes_finished_messages_and_keeps_queued_ones()
    {
        await using var f = await RelayFixture.StartAsync();
        f.Dns.AddMx("remote.test", 10, "mx.remote.test");
        f.Dns.AddA("mx.remote.test", "127.0.0.26");
        f.Dns.AddMx("later.test", 10, "mx.later.test");
        f.Dns.AddA("mx.later.test", "127.0.0.27");
        await using var server = f.Smtp("127.0.0.26");
        await using var greylist = f.Smtp("127.0.0.27", s => s.RcptReply = _ => "450 4.2.0 Greylisted");
        var done = await f.SubmitAsync(Raw("a@remote.test"), RelayFixture.Sender, ["a@remote.test", "b@remote.test"]);
        var queued = await f.SubmitAsync(Raw("c@later.test"), RelayFixture.Sender, ["c@later.test"]);
        await f.Relay.RelayAsync(done);
        await f.Relay.RelayAsync(queued);
        var state = f.Services.GetRequiredService<OutboundState>();

        Assert.Equal(0, await state.PruneAsync(DateTimeOffset.UtcNow.AddHours(-1)));
        Assert.Equal(1, await state.PruneAsync(DateTimeOffset.UtcNow.AddMinutes(1)));

        Assert.Null(await f.StateAsync(done.Id));
        var (items, _) = await state.ListAsync(RelayFixture.Tenant, includeDone: true, 100, null);
        Assert.Equal(queued.Id, Assert.Single(items).Id);
    }

    [Fact]
    public async Task The_listing_pages_by_whole_messages()
    {
        await using var f = await RelayFixture.StartAsync();
        f.Dns.SetFailing("slow.test");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var m = await f.SubmitAsync(Raw("x@slow.test"), RelayFixture.Sender, Enumerable.Range(0, 3).Select(r => $"r{r}@slow.test"));
            await f.Relay.RelayAsync(m);
            ids.Add(m.Id);
        }
        var state = f.Services.GetRequiredService<OutboundState>();

        var (first, token) = await state.ListAsync(RelayFixture.Tenant, includeDone: false, 2, null);
        var (second, end) = await state.ListAsync(RelayFixture.Tenant, includeDone: false, 2, token);

        Assert.Equal(2, first.Count);
        Assert.NotNull(token);
        Assert.Single(second);
        Assert.Null(end);
        Assert.Equal(ids.Order(StringComparer.Ordinal), first.Concat(second).Select(m => m.Id));
        Assert.All(first.Concat(second), m => Assert.Equal(3, m.Recipients.Count));
        Assert.All(first.Concat(second).SelectMany(m => m.Recipients), r => Assert.Equal(("4.4.3", RecipientState.Pending), (r.Status, r.State)));
    }

    [Fact]
    public async Task Notify_success_gets_a_relayed_report_only_where_the_next_server_cannot_take_the_request_over()
    {
        await using var f = await RelayFixture.StartAsync();
        f.Dns.AddMx("dsn.test", 10, "mx.dsn.test");
        f.Dns.AddA("mx.dsn.test", "127.0.0.28");
        f.Dns.AddMx("nodsn.test", 10, "mx.nodsn.test");
        f.Dns.AddA("mx.nodsn.test", "127.0.0.29");
        await using var withDsn = f.Smtp("127.0.0.28");
        await using var withoutDsn = f.Smtp("127.0.0.29", s => s.Dsn = false);
        await f.SubmitAsync(Raw("a@dsn.test"), RelayFixture.Sender, [], m => m with
        {
            Recipients =
            [
                new HandoffRecipient { Address = "a@dsn.test", Notify = "SUCCESS,FAILURE", OriginalRecipient = "rfc822;a@dsn.test" },
                new HandoffRecipient { Address = "b@nodsn.test", Notify = "SUCCESS" },
            ],
        });

        await f.DrainAsync();

        Assert.Contains("NOTIFY=SUCCESS,FAILURE", Assert.Single(Assert.Single(withDsn.Messages).RecipientParameters), StringComparison.Ordinal);
        Assert.Single(withoutDsn.Messages);
        var report = Assert.Single(await f.InboxAsync());
        Assert.Equal("Successful Mail Delivery Report", report.Subject);
        var group = Assert.Single(((MessageDeliveryStatus)((MultipartReport)report.Body!)[1]).StatusGroups.Skip(1), g => g.Count > 0);
        Assert.Equal(("rfc822; b@nodsn.test", "relayed"), (group["Final-Recipient"], group["Action"]));
    }
}
