using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.Reliability.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Serverless.Reliability.Tests.Credentials;

/// <summary>
/// No password, SASL response or API key ever reaches a log. Every log entry of the whole stack is
/// captured at Trace level (message, structured values, scopes, exceptions) while full sessions run:
/// SMTP AUTH PLAIN and LOGIN, IMAP LOGIN (quoted and as a literal) and AUTHENTICATE PLAIN, POP3
/// USER/PASS and AUTH PLAIN — each with a right and a wrong password — and API calls with the admin
/// key, a tenant key and a wrong key, including creating a mailbox and setting its password. Then
/// the captured text is searched for every secret and every encoding of it that went over the wire.
/// </summary>
public sealed class SecretsInLogsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task No_password_or_key_appears_in_any_log_entry()
    {
        var capture = new LogCapture();
        await using var stack = await MailStack.StartAsync(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft"] = "Trace",
            ["Logging:LogLevel:Azure"] = "Trace",
        }, logging =>
        {
            logging.SetMinimumLevel(LogLevel.Trace);
            logging.AddProvider(capture);
        });
        var password = "Sesame-" + Guid.NewGuid().ToString("N")[..12];
        var wrong = "Wrong-" + Guid.NewGuid().ToString("N")[..12];
        var newPassword = "Renewed-" + Guid.NewGuid().ToString("N")[..12];
        const string user = "erin@acme.test";

        // API: the admin key, a tenant key, a wrong key; a mailbox created with a password, then a new one set.
        using (var acme = stack.Api(stack.AcmeKey))
        using (var admin = stack.Api(MailStack.AdminKey))
        using (var forged = stack.Api("smk_0123456789abcdef_" + wrong))
        {
            Assert.True((await acme.PostAsJsonAsync("tenants/acme/mailboxes", new { address = user, password })).IsSuccessStatusCode);
            Assert.True((await admin.GetAsync("tenants/acme/mailboxes/" + user)).IsSuccessStatusCode);
            Assert.False((await forged.GetAsync("tenants/acme/mailboxes")).IsSuccessStatusCode);
            Assert.False((await acme.PostAsJsonAsync("tenants/acme/mailboxes", new { address = "frank@acme.test", password = "short" })).IsSuccessStatusCode);
            var created = await admin.PostAsJsonAsync("tenants/acme/keys", new { });
            using var key = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
            var issued = key.RootElement.GetProperty("apiKey").GetString()!;
            using var second = stack.Api(issued);
            Assert.True((await second.GetAsync("tenants/acme")).IsSuccessStatusCode);
            capture.Secrets.Add(issued);
        }

        // SMTP AUTH: PLAIN (initial response and challenge) and LOGIN, wrong then right.
        foreach (var pass in new[] { wrong, password })
        {
            await using var wire = await Wire.ConnectAsync(stack.SubmissionPort);
            await wire.SmtpReplyAsync();
            await wire.SmtpAsync("EHLO client.reliability.test");
            await wire.SmtpAsync("AUTH PLAIN " + LoginProbe.Plain(user, pass));
            await wire.SmtpAsync("RSET");
            await wire.SmtpAsync("AUTH PLAIN");
            await wire.SmtpAsync(LoginProbe.Plain(user, pass));
            await wire.SmtpAsync("AUTH LOGIN");
            await wire.SmtpAsync(B64(user));
            await wire.SmtpAsync(B64(pass));
            await wire.SmtpAsync("QUIT");
        }
        // IMAP: LOGIN quoted and with a literal, AUTHENTICATE PLAIN with and without an initial response.
        foreach (var pass in new[] { wrong, password })
        {
            await using var wire = await Wire.ConnectAsync(stack.ImapPort);
            await wire.ReadLineAsync();
            await wire.LineAsync($"a LOGIN {user} \"{pass}\"");
            await wire.ImapUntilTaggedAsync("a");
            await wire.LineAsync("b LOGOUT");
            await wire.ImapUntilTaggedAsync("b");
        }
        await using (var wire = await Wire.ConnectAsync(stack.ImapPort))
        {
            await wire.ReadLineAsync();
            await wire.LineAsync($"c LOGIN {user} {{{Encoding.UTF8.GetByteCount(wrong)}+}}\r\n{wrong}");
            await wire.ImapUntilTaggedAsync("c");
            await wire.LineAsync("d AUTHENTICATE PLAIN");
            await wire.ReadLineAsync(); // "+"
            await wire.LineAsync(LoginProbe.Plain(user, wrong));
            await wire.ImapUntilTaggedAsync("d");
            await wire.LineAsync("e AUTHENTICATE PLAIN " + LoginProbe.Plain(user, password));
            await wire.ImapUntilTaggedAsync("e");
            await wire.LineAsync("f LOGOUT");
            await wire.ImapUntilTaggedAsync("f");
        }
        // POP3: USER/PASS and AUTH PLAIN.
        foreach (var pass in new[] { wrong, password })
        {
            await using var wire = await Wire.ConnectAsync(stack.Pop3Port);
            await wire.ReadLineAsync();
            await wire.LineAsync("AUTH PLAIN " + LoginProbe.Plain(user, wrong));
            await wire.ReadLineAsync();
            await wire.LineAsync("USER " + user);
            await wire.ReadLineAsync();
            await wire.LineAsync("PASS " + pass);
            await wire.ReadLineAsync();
            await wire.LineAsync("QUIT");
            await wire.ReadLineAsync();
        }
        // The API once more: a password change.
        using (var acme = stack.Api(stack.AcmeKey))
        {
            Assert.True((await acme.PutAsJsonAsync($"tenants/acme/mailboxes/{user}/password", new { password = newPassword })).IsSuccessStatusCode);
        }

        var logs = capture.All;
        Assert.True(capture.Entries.Count > 50, $"only {capture.Entries.Count} log entries were captured: the test would prove nothing");
        Assert.Contains("C: ", logs, StringComparison.Ordinal); // protocol transcripts were on (Debug), so redaction was exercised
        var secrets = new List<string> { password, wrong, newPassword, MailStack.AdminKey, stack.AcmeKey, stack.AcmeKey.Split('_')[^1] };
        secrets.AddRange(capture.Secrets);
        foreach (var p in new[] { password, wrong })
        {
            secrets.Add(LoginProbe.Plain(user, p));
            secrets.Add(B64(p));
        }
        foreach (var secret in secrets)
        {
            var at = logs.IndexOf(secret, StringComparison.Ordinal);
            Assert.True(at < 0, $"a secret is in the logs: …{logs[Math.Max(0, at - 200)..Math.Min(logs.Length, at + 50)]}…");
        }
        output.WriteLine($"FIGURES logs: {capture.Entries.Count} log entries at Trace level searched for {secrets.Count} secrets and encodings: none found");
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
