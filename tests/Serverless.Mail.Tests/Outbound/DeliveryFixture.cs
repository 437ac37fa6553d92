using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Mail.Outbound;
using Serverless.Mail.Queues;
using Serverless.Testing;
using Serverless.Testing.Outbound;

namespace Serverless.Mail.Tests.Outbound;

/// <summary>A DNS server and an SMTP port for one test, and an <see cref="SmtpDelivery"/> wired to them.</summary>
internal sealed class DeliveryFixture : IDisposable
{
    public DeliveryFixture(Action<OutboundOptions>? configure = null)
    {
        Port = AzuriteProcess.FreePort();
        Options = new OutboundOptions
        {
            HeloName = "relay.test",
            SmtpPort = Port,
            AllowPrivateNetworks = true, // the receiving servers are on loopback
            RetryDelays = [.. OutboundOptions.DefaultRetryDelays],
            ConnectTimeout = TimeSpan.FromSeconds(5),
            CommandTimeout = TimeSpan.FromSeconds(10),
        };
        configure?.Invoke(Options);
        var dns = new MailDns([Dns.EndPoint]);
        Resolver = new MxResolver(dns);
        var certificates = new TlsCertificatePolicy(Options);
        Fetcher = new HttpsMtaStsPolicyFetcher(Resolver, certificates, Options);
        Delivery = new SmtpDelivery(Options, Resolver, new MtaStsPolicySource(dns, Fetcher, TimeProvider.System), certificates, NullLogger<SmtpDelivery>.Instance);
    }

    public TestDnsServer Dns { get; } = new();

    public int Port { get; }

    public OutboundOptions Options { get; }

    public MxResolver Resolver { get; }

    public HttpsMtaStsPolicyFetcher Fetcher { get; }

    public SmtpDelivery Delivery { get; }

    public TestSmtpServer Smtp(string ip, Action<TestSmtpScript>? configure = null) => TestSmtpServer.Start(ip, Port, configure);

    public static string Message(string from = "alice@sender.test", string to = "bob@remote.test", string subject = "Hello", string body = "Hi there.\r\n") =>
        $"From: <{from}>\r\nTo: <{to}>\r\nSubject: {subject}\r\nDate: Fri, 27 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{Guid.NewGuid():N}@sender.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}";

    public static async Task<OutboundMessageFile> FileAsync(string text)
    {
        using var ms = new MemoryStream(Encoding.UTF8.GetBytes(text));
        return await OutboundMessageFile.CreateAsync(ms);
    }

    public static DeliveryRequest Request(OutboundMessageFile file, string from, params string[] rcpts) => new()
    {
        MailFrom = from,
        Recipients = rcpts.Select(r => new HandoffRecipient { Address = r }).ToList(),
        Message = file,
        NeedsSmtpUtf8 = file.HeadersHave8Bit,
        Needs8BitMime = file.BodyHas8Bit,
    };

    public void Dispose()
    {
        Fetcher.Dispose();
        Dns.Dispose();
    }
}
