using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Accounts;
using Serverless.Mail.Delivery;
using Serverless.Mail.Delivery.Authentication;
using Serverless.Mail.Messages;
using Serverless.Mail.Queues;
using Xunit;

namespace Serverless.Mail.Tests.Delivery;

/// <summary>
/// <see cref="MessageIntake"/> without SMTP: an envelope and a body in chunks in, a result out. The
/// SMTP end-to-end tests (Serverless.Listeners.Tests/Smtp) cover the same through the wire.
/// </summary>
public sealed class MessageIntakeTests : IAsyncLifetime
{
    private IngestFixture _f = null!;

    public async Task InitializeAsync() => _f = await IngestFixture.StartAsync();

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private MessageIntake Intake => _f.Services.GetRequiredService<MessageIntake>();

    private async Task<EnvelopeRecipient> LocalAsync(string address) =>
        new(address, null, null, await _f.Services.GetRequiredService<RecipientResolver>().ResolveAsync(MailAddress.Parse(address)));

    private static MessageEnvelope Mx(params EnvelopeRecipient[] recipients) => new()
    {
        ReceivedBy = "mx.test",
        ClientAddress = IPAddress.Parse("192.0.2.10"),
        Helo = "mx.remote.example",
        Extended = true,
        Sender = new EnvelopeSender("sender@remote.example"),
        Recipients = recipients,
        Spf = Task.FromResult(SpfResult.None),
    };

    /// <summary>Feeds the body in decoder-sized chunks, as DATA and BDAT do.</summary>
    private async Task<(IntakeResult Result, IncomingMessage Message)> SendAsync(MessageEnvelope envelope, byte[] body)
    {
        await using var message = Intake.Begin(envelope);
        for (var offset = 0; offset < body.Length; offset += 64 * 1024)
        {
            await message.WriteAsync(body.AsMemory(offset, Math.Min(64 * 1024, body.Length - offset)), CancellationToken.None);
        }
        return (await Intake.AcceptAsync(message), message);
    }

    private async Task<List<InboundHandoff>> InboundAsync() =>
        (await _f.Storage.Inbound.PeekMessagesAsync(32)).Value.Select(m => MailQueues.ParseInbound(m.Body.ToString())).ToList();

    private static byte[] Body(int minimumLength)
    {
        var sb = new StringBuilder(IngestFixture.Message("intake"));
        while (sb.Length < minimumLength)
        {
            sb.Append(new string('x', 76)).Append("\r\n");
        }
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    [Fact]
    public async Task An_MX_message_for_local_recipients_announces_its_hand_off_from_its_first_byte_until_it_is_queued_or_dropped()
    {
        // A queue put under way lingers (Mail:Queues:GroupLinger) only while some hand-off is announced:
        // one left announced would make every later put wait its full linger.
        var queues = _f.Services.GetRequiredService<MailQueues>();
        var local = await LocalAsync("user@example.com");
        await using (var dropped = Intake.Begin(Mx(local)))
        {
            await dropped.WriteAsync(Body(0), CancellationToken.None);
            Assert.Equal(1, queues.InboundExpected);
        } // the client went away before the end of the data
        Assert.Equal(0, queues.InboundExpected);

        var (carried, _) = await SendAsync(Mx(local), Body(0));
        Assert.True(carried.Accepted);
        Assert.Equal(0, queues.InboundExpected); // joined its group
        var (blob, _) = await SendAsync(Mx(local), Body(40 * 1024));
        Assert.True(blob.Accepted);
        Assert.Equal(0, queues.InboundExpected);

        await using (var remoteOnly = Intake.Begin(Mx(new EnvelopeRecipient("someone@remote.example", null, null, null))))
        {
            Assert.Equal(0, queues.InboundExpected); // no inbound hand-off will come
        }
    }

    [Theory]
    [InlineData(0)] // carried in its hand-off: one queue put, no blob (was a Put Blob too)
    [InlineData(40 * 1024)] // over Mail:Queues:InlineHandoffBytes: one Put Blob and one queue put
    public async Task A_small_message_is_checked_and_summarised_from_memory_and_costs_one_queue_put_and_a_blob_put_only_over_the_threshold(int bodyBytes)
    {
        var envelope = Mx(await LocalAsync("user@example.com"));
        // The spam score reads the tenant's spam settings once per 30 s (SpamSettingsStore's cache) and the
        // content classifier the tenant's and the mailbox's models once a minute (TokenModelStore's cache), as a
        // listener does for its first message to a mailbox; after that a message costs exactly these.
        await _f.Services.GetRequiredService<Serverless.Mail.Spam.SpamSettingsStore>().GetCachedAsync("acme", default);
        await _f.Services.GetRequiredService<Serverless.Mail.Spam.IContentClassifier>()
            .ClassifyAsync("acme", envelope.Recipients[0].Local!.Mailboxes[0].MailboxId, new MimeKit.MimeMessage(), default);
        var carried = bodyBytes == 0;
        var before = _f.Meter.TotalRequests;
        var (result, message) = await SendAsync(envelope, Body(bodyBytes));
        Assert.Equal(carried ? 1 : 2, _f.Meter.TotalRequests - before);

        Assert.Equal(new IntakeResult(IntakeOutcome.Accepted, message.Id), result);
        var handoff = Assert.Single(await InboundAsync());
        Assert.Equal(message.Id, handoff.Id);
        Assert.NotNull(handoff.Summary);
        Assert.Equal("none", handoff.Spf);
        Assert.Equal("mx", handoff.Via);
        Assert.Equal("192.0.2.10", handoff.ClientIp);
        Assert.Equal(carried, handoff.Content is not null);
        var stored = Encoding.ASCII.GetString(handoff.Content ?? await _f.BlobAsync(handoff.BlobName));
        Assert.Equal(stored.Length, handoff.Size);
        Assert.StartsWith("Authentication-Results: mail.test;", stored, StringComparison.Ordinal);
        Assert.Contains("\r\nReturn-Path: <sender@remote.example>\r\nReceived: from mx.remote.example ([192.0.2.10])\r\n\tby mx.test (Serverless Mail) with ESMTP\r\n", stored, StringComparison.Ordinal);
        if (!carried)
        {
            var properties = await _f.Storage.Messages.GetBlobClient(handoff.BlobName).GetPropertiesAsync();
            Assert.Equal("1", properties.Value.Metadata[ArrivalChecks.MetadataKey]);
        }
        else
        {
            Assert.False((await _f.Storage.Messages.GetBlobClient(handoff.BlobName).ExistsAsync()).Value);
        }
    }

    [Fact]
    public async Task A_large_message_streams_into_blocks_and_the_ingest_runs_the_same_checks_from_the_blob()
    {
        var body = Body(SpoolBlobStream.DefaultBufferSize * 3 / 2);
        var (result, _) = await SendAsync(Mx(await LocalAsync("user@example.com")), body);
        Assert.Equal(IntakeOutcome.Accepted, result.Outcome);

        var handoff = Assert.Single(await InboundAsync());
        Assert.Null(handoff.Summary); // summarised and checked by the ingest, from the blob
        var stored = await _f.BlobAsync(handoff.BlobName);
        Assert.Equal(stored.Length, handoff.Size);
        Assert.StartsWith("Return-Path: <sender@remote.example>\r\n", Encoding.ASCII.GetString(stored, 0, 64), StringComparison.Ordinal);

        Assert.Equal(1, (await _f.Ingest.IngestAsync(handoff)).Filed);
        var checkedCopy = Encoding.ASCII.GetString(await _f.BlobAsync(handoff.BlobName), 0, 256);
        Assert.StartsWith("Authentication-Results: mail.test;\r\n\tspf=none", checkedCopy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_submission_to_local_and_remote_recipients_shares_one_blob_between_both_queues()
    {
        var envelope = Mx(await LocalAsync("other@example.com"), new EnvelopeRecipient("friend@remote.example", "SUCCESS,FAILURE", "rfc822;friend@remote.example", null)) with
        {
            Submission = true,
            User = new SubmittingUser(_f.User.Address, _f.User.TenantId),
            Tls = new ClientTls(System.Security.Authentication.SslProtocols.Tls13, "TLS_AES_256_GCM_SHA384"),
            Sender = new EnvelopeSender(_f.User.Address, "env-1", "HDRS", "8BITMIME", SmtpUtf8: false),
            Spf = null,
        };
        // The header's author is the user's own address (submission checks it: SmtpHonestSenderTests).
        var (result, message) = await SendAsync(envelope, Encoding.ASCII.GetBytes(IngestFixture.Message("intake", from: _f.User.Address)));
        Assert.Equal(IntakeOutcome.Accepted, result.Outcome);

        var inbound = Assert.Single(await InboundAsync());
        Assert.Equal("submission", inbound.Via);
        Assert.Equal(message.Id + "|in", inbound.Holder);
        Assert.Null(inbound.Spf);
        Assert.True(inbound.Tls);
        var outbound = Assert.Single(await _f.OutboundAsync());
        Assert.Equal(message.Id, outbound.Id);
        Assert.Equal(inbound.BlobName, outbound.BlobName);
        Assert.Equal(inbound.Size, outbound.Size);
        Assert.Equal(message.Id + "|out", outbound.Holder);
        Assert.Equal((_f.User.Address, "env-1", "HDRS", "8BITMIME", false), (outbound.MailFrom, outbound.EnvelopeId, outbound.Ret, outbound.Body, outbound.SmtpUtf8));
        Assert.Equal((_f.User.Address, _f.User.TenantId, true), (outbound.AuthenticatedAs, outbound.TenantId, outbound.Rated));
        var rcpt = Assert.Single(outbound.Recipients);
        Assert.Equal(("friend@remote.example", "SUCCESS,FAILURE", "rfc822;friend@remote.example"), (rcpt.Address, rcpt.Notify, rcpt.OriginalRecipient));

        var stored = Encoding.ASCII.GetString(await _f.BlobAsync(inbound.BlobName));
        Assert.StartsWith("Received: from mx.remote.example ([192.0.2.10])\r\n\tby mx.test (Serverless Mail) with ESMTPSA\r\n\t(TLSv1.3 cipher TLS_AES_256_GCM_SHA384)", stored, StringComparison.Ordinal);
    }
}
