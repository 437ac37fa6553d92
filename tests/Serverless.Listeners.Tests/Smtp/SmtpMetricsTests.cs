using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Serverless.Mail.Hosting;
using Serverless.Mail.Storage;
using Xunit;

namespace Serverless.Listeners.Tests.Smtp;

/// <summary>
/// The service's own meter (issue 21, observability) records what really happens: a message
/// accepted over SMTP, the logins before it, the storage requests and their latency. Read with a
/// <see cref="MeterListener"/>, as any exporter would.
/// </summary>
public sealed class SmtpMetricsTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = new();
    private readonly MeterListener _listener = new();
    private SmtpTestKit _kit = null!;

    public async Task InitializeAsync()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name is MailMetrics.MeterName or StorageRequestMeter.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
        _kit = await SmtpTestKit.StartAsync();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }
        _measurements.Enqueue((instrument.Name, value, copy));
    }

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        await _kit.DisposeAsync();
    }

    private double Sum(string instrument, string tag, string value) =>
        _measurements.Where(m => m.Instrument == instrument && Equals(m.Tags.GetValueOrDefault(tag), value)).Sum(m => m.Value);

    [Fact]
    public async Task A_message_accepted_on_the_mx_and_a_submission_login_are_counted_with_the_storage_latency()
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Sender", "sender@remote.example"));
        message.To.Add(new MailboxAddress("User", "user@example.com"));
        message.Subject = "Counted";
        message.Body = new TextPart("plain") { Text = "One message for the meter." };
        using (var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true })
        {
            await client.ConnectAsync("127.0.0.1", _kit.Host.Ports.Smtp, SecureSocketOptions.None);
            await client.SendAsync(message);
            await client.DisconnectAsync(true);
        }
        Assert.Single(await _kit.InboundAsync());
        Assert.True(Sum("mail.messages.accepted", "via", "mx") >= 1, "no accepted MX message counted");

        using (var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true })
        {
            await client.ConnectAsync("127.0.0.1", _kit.Host.Ports.Submission, SecureSocketOptions.StartTls);
            await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("user@example.com", "not the password"));
            await client.AuthenticateAsync("user@example.com", SmtpTestKit.Password);
            await client.DisconnectAsync(true);
        }
        Assert.True(Sum("mail.logins", "outcome", "bad_credentials") >= 1, "no failed login counted");
        Assert.True(Sum("mail.logins", "outcome", "success") >= 1, "no login counted");

        // Every storage request is timed as well as counted: the blob put and the queue put of this message among them.
        var durations = _measurements.Where(m => m.Instrument == "mail.storage.duration").ToList();
        Assert.Contains(durations, d => Equals(d.Tags["service"], "blob") && d.Value > 0);
        Assert.Contains(durations, d => Equals(d.Tags["service"], "queue") && Equals(d.Tags["operation"], "POSTMessage"));
    }
}
