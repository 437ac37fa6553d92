using Serverless.Mail.Outbound;
using Serverless.Testing.Outbound;
using Xunit;

namespace Serverless.Mail.Tests.Outbound;

public sealed class SmtpDeliveryTests
{
    [Fact]
    public async Task Delivers_to_the_best_mx_only()
    {
        using var f = new DeliveryFixture();
        f.Dns.AddMx("remote.test", 20, "mx2.remote.test");
        f.Dns.AddMx("remote.test", 10, "mx1.remote.test");
        f.Dns.AddA("mx1.remote.test", "127.0.0.2");
        f.Dns.AddA("mx2.remote.test", "127.0.0.3");
        await using var best = f.Smtp("127.0.0.2");
        await using var second = f.Smtp("127.0.0.3");
        await using var file = await DeliveryFixture.FileAsync(DeliveryFixture.Message());

        var result = await f.Delivery.DeliverAsync("remote.test", DeliveryFixture.Request(file, "alice@sender.test", "bob@remote.test", "carol@remote.test"));

        Assert.All(result.Values, s => Assert.Equal(RecipientState.Delivered, s.State));
        var message = Assert.Single(best.Messages);
        Assert.Equal(["bob@remote.test", "carol@remote.test"], message.Recipients);
        Assert.Equal("alice@sender.test", message.MailFrom);
        Assert.Equal("relay.test", message.Helo);
        Assert.Contains("Subject: Hello", message.Text, StringComparison.Ordinal);
        Assert.Empty(second.Messages);
        Assert.Equal(0, second.Connections);
    }

    [Fact]
    public async Task A_refused_connection_moves_on_to_the_next_mx()
    {
        using var f = new DeliveryFixture();
        f.Dns.AddMx("remote.test", 10, "down.remote.test");
        f.Dns.AddMx("remote.test", 20, "up.remote.test");
        f.Dns.AddA("down.remote.test", "127.0.0.4"); // nothing listens there
        f.Dns.AddA("up.remote.test", "127.0.0.5");
        await using var up = f.Smtp("127.0.0.5");
        await using var file = await DeliveryFixture.FileAsync(DeliveryFixture.Message());

        var result = await f.Delivery.DeliverAsync("remote.test", DeliveryFixture.Request(file, "alice@sender.test", "bob@remote.test"));

        Assert.Equal(RecipientState.Delivered, result["bob@remote.test"].State);
        Assert.Single(up.Messages);
    }

    [Fact]
    public async Task A_4xx_moves_the_pending_recipients_to_the_next_mx_and_a_5xx_is_final()
    {
        using var f = new DeliveryFixture();
        f.Dns.AddMx("remote.test", 10, "busy.remote.test");
        f.Dns.AddMx("remote.test", 20, "spare.remote.test");
        f.Dns.AddA("busy.remote.test", "127.0.0.6");
        f.Dns.AddA("spare.remote.test", "127.0.0.7");
        await using var busy = f.Smtp("127.0.0.6", s => s.RcptReply = r => r.StartsWith("later", StringComparison.Ordinal) ? "451 4.3.0 try later"
            : r.StartsWith("nobody", StringComparison.Ordinal) ? "550 5.1.1 no such user" : null);
        await using var spare = f.Smtp("127.0.0.7");
        await using var file = await DeliveryFixture.FileAsync(DeliveryFixture.Message());

        var result = await f.Delivery.DeliverAsync("remote.test", DeliveryFixture.Request(file, "alice@sender.test", "now@remote.test", "later@remote.test", "nobody@remote.test"));

        Assert.Equal(RecipientState.Delivered, result["now@remote.test"].State);
        Assert.Equal(RecipientState.Delivered, result["later@remote.test"].State);
        Assert.Equal(RecipientState.Failed, result["nobody@remote.test"].State);
        Assert.Equal("5.1.1", result["nobody@remote.test"].Status);
        Assert.Contains("no such user", result["nobody@remote.test"].Diagnostic, StringComparison.Ordinal);
        Assert.Equal(["now@remote.test"], Assert.Single(busy.Messages).Recipients);
        Assert.Equal(["later@remote.test"], Assert.Single(spare.Messages).Recipients);
    }

    [Fact]
    public async Task A_null_mx_fails_permanently_without_connecting()
    {
        using var f = new DeliveryFixture();
        f.Dns.AddMx("nomail.test", 0, ".");
        await using var file = await DeliveryFixture.FileAsync(DeliveryFixture.Message(to: "x@nomail.test"));

        var result = await f.Delivery.DeliverAsync("nomail.test", DeliveryFixture.Request(file, "alice@sender.test", "x@nomail.test"));

        var status = result["x@nomail.test"];
        Assert.Equal(RecipientState.Failed, status.State);
        Assert.Equal("5.1.10", status.Status);
    }

    [Fact]
    public async Task Without_mx_the_domains_own_address_is_used_and_an_unknown_domain_fails()
    {
        using var f = new DeliveryFixture();
        f.Dns.AddA("bare.test", "127.0.0.8");
        await using var server = f.Smtp("127.0.0.8");
        await using var file = await DeliveryFixture.FileAsync(DeliveryFixture.Message(to: "x@bare.test"));

        var ok = await f.Delivery.DeliverAsync("bare.test", DeliveryFixture.Request(file, "alice@sender.test", "x@bare.test"));
        var missing = await f.Delivery.DeliverAsync("missing.test", DeliveryFixture.Request(file, "alice@sender.test", "x@missing.test"));

        Assert.Equal(RecipientState.Delivered, ok["x@bare.test"].State);
        Assert.Single(server.Messages);
        Assert.Equal(RecipientState.Failed, missing["x@missing.test"].State);
        Assert.Equal("5.1.2", missing["x@missing.test"].Status);
    }

    [Fact]
    public async Task Dns_trouble_is_temporary()
    {
        using var f = new DeliveryFixture();
        f.Dns.SetFailing("flaky.test");
        await using var file = await DeliveryFixture.FileAsync(DeliveryFixture.Message(to: "x@flaky.test"));

        var result = await f.Delivery.DeliverAsync("flaky.test", DeliveryFixture.Request(file, "alice@sender.test", "x@flaky.test"));

        Assert.Equal(RecipientState.Pending, result["x@flaky.test"].State);
        Assert.Equal("4.4.3", result["x@flaky.test"].Status);
    }

    [Fact]
    public async Task Starttls_is_used_when_offered_and_pipelining_sends_mail_and_rcpt_together()
    {
        using var f = new DeliveryFixture();
        f.Dns.AddMx("remote.test", 10, "mx.remote.test");
        f.Dns.AddA("mx.remote.test", "127.0.0.9");
        using var cert = TestCertificates.Create("mx.remote.test");
        await using var server = f.Smtp("127.0.0.9", s => s.Certificate = cert);
        await using var file = await DeliveryFixture.FileAsync(DeliveryFixture.Message());

        var result = await f.Delivery.DeliverAsync("remote.test", DeliveryFixture.Request(file, "alice@sender.test", "bob@remote.test"));

        Assert.Equal(RecipientState.Delivered, result["bob@remote.test"].State);
        Assert.True(Assert.Single(server.Messages).Tls);
        Assert.Contains("STARTTLS", server.Commands);
    }

    [Fact]
    public async Task A_message_that_needs_smtputf8_or_8bitmime_bounces_with_the_reason_when_the_server_lacks_it()
    {
        using var f = new DeliveryFixture();
        f.Dns.AddMx("old.test", 10, "mx.old.test");
        f.Dns.AddA("mx.old.test", "127.0.0.10");
        await using var server = f.Smtp("127.0.0.10", s => { s.SmtpUtf8 = false; s.EightBitMime = false; });
        await using var utf8Headers = await DeliveryFixture.FileAsync(DeliveryFixture.Message(subject: "Grüße"));
        await using var eightBitBody = await DeliveryFixture.FileAsync(DeliveryFixture.Message(body: "Grüße\r\n"));
        await using var plain = await DeliveryFixture.FileAsync(DeliveryFixture.Message());

        var a = await f.Delivery.DeliverAsync("old.test", DeliveryFixture.Request(utf8Headers, "alice@sender.test", "x@old.test"));
        var b = await f.Delivery.DeliverAsync("old.test", DeliveryFixture.Request(eightBitBody, "alice@sender.test", "x@old.test"));
        var c = await f.Delivery.DeliverAsync("old.test", DeliveryFixture.Request(plain, "alice@sender.test", "x@old.test"));

        Assert.Equal(("5.6.7", RecipientState.Failed), (a["x@old.test"].Status, a["x@old.test"].State));
        Assert.Contains("SMTPUTF8", a["x@old.test"].Diagnostic, StringComparison.Ordinal);
        Assert.Equal(("5.6.3", RecipientState.Failed), (b["x@old.test"].Status, b["x@old.test"].State));
        Assert.Contains("8BITMIME", b["x@old.test"].Diagnostic, StringComparison.Ordinal);
        Assert.Equal(RecipientState.Delivered, c["x@old.test"].State);
        Assert.Single(server.Messages);
    }

    [Fact]
    public async Task Utf8_messages_go_with_smtputf8_and_8bitmime_where_offered()
    {
        using var f = new DeliveryFixture();
        f.Dns.AddMx("new.test", 10, "mx.new.test");
        f.Dns.AddA("mx.new.test", "127.0.0.11");
        await using var server = f.Smtp("127.0.0.11");
        await using var file = await DeliveryFixture.FileAsync(DeliveryFixture.Message(subject: "Grüße", body: "Grüße\r\n"));

        var result = await f.Delivery.DeliverAsync("new.test", DeliveryFixture.Request(file, "alice@sender.test", "x@new.test"));

        Assert.Equal(RecipientState.Delivered, result["x@new.test"].State);
        var m = Assert.Single(server.Messages);
        Assert.Contains("SMTPUTF8", m.MailParameters, StringComparison.Ordinal);
        Assert.Contains("Subject: Grüße", m.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_null_sender_is_sent_as_an_empty_reverse_path()
    {
        using var f = new DeliveryFixture();
        f.Dns.AddMx("remote.test", 10, "mx.remote.test");
        f.Dns.AddA("mx.remote.test", "127.0.0.12");
        await using var server = f.Smtp("127.0.0.12");
        await using var file = await DeliveryFixture.FileAsync(DeliveryFixture.Message());

        var result = await f.Delivery.DeliverAsync("remote.test", DeliveryFixture.Request(file, "", "bob@remote.test"));

        Assert.Equal(RecipientState.Delivered, result["bob@remote.test"].State);
        Assert.Equal("", Assert.Single(server.Messages).MailFrom);
    }

    [Fact]
    public async Task A_421_greeting_or_a_4xx_to_mail_from_moves_on_to_the_next_mx()
    {
        using var f = new DeliveryFixture();
        f.Dns.AddMx("remote.test", 10, "closed.remote.test");
        f.Dns.AddMx("remote.test", 20, "open.remote.test");
        f.Dns.AddA("closed.remote.test", "127.0.0.13");
        f.Dns.AddA("open.remote.test", "127.0.0.14");
        await using var closed = f.Smtp("127.0.0.13", s => s.Greeting = "421 4.3.2 Service not available, closing channel");
        await using var open = f.Smtp("127.0.0.14");
        await using var file = await DeliveryFixture.FileAsync(DeliveryFixture.Message());

        var result = await f.Delivery.DeliverAsync("remote.test", DeliveryFixture.Request(file, "alice@sender.test", "bob@remote.test"));

        Assert.Equal(RecipientState.Delivered, result["bob@remote.test"].State);
        Assert.Equal(1, closed.Connections);
        Assert.Single(open.Messages);
    }

    [Fact]
    public async Task An_attempt_that_has_used_its_time_budget_leaves_the_rest_for_the_next_attempt()
    {
        using var f = new DeliveryFixture(o => o.AttemptBudget = TimeSpan.Zero);
        f.Dns.AddMx("remote.test", 10, "down.remote.test");
        f.Dns.AddMx("remote.test", 20, "up.remote.test");
        f.Dns.AddA("down.remote.test", "127.0.0.15");
        f.Dns.AddA("up.remote.test", "127.0.0.16");
        await using var up = f.Smtp("127.0.0.16");
        await using var file = await DeliveryFixture.FileAsync(DeliveryFixture.Message());

        var result = await f.Delivery.DeliverAsync("remote.test", DeliveryFixture.Request(file, "alice@sender.test", "bob@remote.test"));

        Assert.Equal(("4.4.1", RecipientState.Pending), (result["bob@remote.test"].Status, result["bob@remote.test"].State));
        Assert.Equal(0, up.Connections);
    }
}
