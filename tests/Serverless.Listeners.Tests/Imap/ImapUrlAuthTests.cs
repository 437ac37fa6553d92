using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Accounts;
using Serverless.Mail.Storage;
using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>
/// URLAUTH (RFC 4467: GENURLAUTH, URLFETCH, RESETKEY, the INTERNAL mechanism) and URLAUTH=BINARY
/// (RFC 5524: URLFETCH's BODY, BINARY and BODYPARTSTRUCTURE) against a real listener, and
/// CATENATE of another user's message through URLAUTH.
/// </summary>
public sealed partial class ImapUrlAuthTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    private const string Plain = "From: a@example.org\r\nSubject: hi\r\n\r\nHello there.\r\n";

    [Fact]
    public async Task An_authorized_url_fetches_the_message_until_the_key_is_reset_and_a_changed_or_expired_one_fetches_nil()
    {
        var mailbox = await host.CreateMailboxAsync();
        await host.DeliverAsync(mailbox, Plain);
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        var capability = (await raw.CommandAsync("CAPABILITY"))[0] + " ";
        Assert.Contains(" URLAUTH ", capability, StringComparison.Ordinal);
        Assert.Contains(" URLAUTH=BINARY ", capability, StringComparison.Ordinal);

        var url = await GenerateAsync(raw, Url(mailbox, "INBOX/;uid=1", "user+" + mailbox.Address));
        Assert.Matches(":internal:[0-9a-f]{64}$", url); // HMAC-SHA256
        Assert.Equal($"* URLFETCH \"{url}\" {{{Plain.Length}}}\r\n{Plain}", (await raw.CommandAsync($"URLFETCH \"{url}\""))[0]);
        var changed = url[..^1] + (url[^1] == '0' ? '1' : '0');
        var rump = url[..url.LastIndexOf(":internal:", StringComparison.Ordinal)];
        Assert.Equal($"* URLFETCH \"{changed}\" NIL \"{rump}\" NIL", (await raw.CommandAsync($"URLFETCH \"{changed}\" \"{rump}\""))[0]);
        var expired = await GenerateAsync(raw, Url(mailbox, "INBOX/;uid=1;expire=2001-02-03T04:05:06Z", "user+" + mailbox.Address));
        Assert.Equal($"* URLFETCH \"{expired}\" NIL", (await raw.CommandAsync($"URLFETCH \"{expired}\""))[0]);

        // The key is a secret of its own per folder, in the mailbox's index partition.
        var row = await host.Host.Services.GetRequiredService<MailStorage>().MailIndex.GetEntityAsync<TableEntity>(mailbox.MailboxId, "urlauth|000001");
        Assert.Equal(32, row.Value.GetBinary("Key")!.Length);

        Assert.EndsWith(" OK RESETKEY completed", (await raw.CommandAsync("RESETKEY INBOX"))[^1], StringComparison.Ordinal);
        Assert.Equal($"* URLFETCH \"{url}\" NIL", (await raw.CommandAsync($"URLFETCH \"{url}\""))[0]);
        var again = await GenerateAsync(raw, Url(mailbox, "INBOX/;uid=1", "user+" + mailbox.Address));
        Assert.NotEqual(url, again); // a new key
        Assert.StartsWith($"* URLFETCH \"{again}\" {{", (await raw.CommandAsync($"URLFETCH \"{again}\""))[0], StringComparison.Ordinal);
        Assert.Matches(@"^A\d+ NO \[NONEXISTENT\]", (await raw.CommandAsync("RESETKEY Nowhere"))[^1]);
    }

    [Fact]
    public async Task The_access_identifier_decides_who_may_fetch_and_catenate_takes_an_authorized_url_of_another_user()
    {
        var owner = await host.CreateMailboxAsync();
        var other = await host.CreateMailboxAsync();
        await host.DeliverAsync(owner, Plain);
        await using var a = await host.RawAsync();
        await a.LoginAsync(owner.Address, ImapTestHost.Password);
        var anyUser = await GenerateAsync(a, Url(owner, "INBOX/;uid=1", "authuser"));
        var forOther = await GenerateAsync(a, Url(owner, "INBOX/;uid=1", "user+" + other.Address));
        var forOwner = await GenerateAsync(a, Url(owner, "INBOX/;uid=1", "user+" + owner.Address));
        var submit = await GenerateAsync(a, Url(owner, "INBOX/;uid=1", "submit+" + owner.Address));
        Assert.Matches(@"^A\d+ NO ", (await a.CommandAsync($"GENURLAUTH \"{Url(owner, "INBOX/;uid=1", "anonymous")}\" INTERNAL"))[^1]);

        await using var b = await host.RawAsync();
        await b.LoginAsync(other.Address, ImapTestHost.Password);
        Assert.StartsWith($"* URLFETCH \"{anyUser}\" {{{Plain.Length}}}", (await b.CommandAsync($"URLFETCH \"{anyUser}\""))[0], StringComparison.Ordinal);
        Assert.StartsWith($"* URLFETCH \"{forOther}\" {{{Plain.Length}}}", (await b.CommandAsync($"URLFETCH \"{forOther}\""))[0], StringComparison.Ordinal);
        Assert.Equal($"* URLFETCH \"{forOwner}\" NIL", (await b.CommandAsync($"URLFETCH \"{forOwner}\""))[0]);
        Assert.Equal($"* URLFETCH \"{submit}\" NIL", (await b.CommandAsync($"URLFETCH \"{submit}\""))[0]); // only a submission server may
        // Only one's own mail can be authorized.
        Assert.Matches(@"^A\d+ NO ", (await b.CommandAsync($"GENURLAUTH \"{Url(owner, "INBOX/;uid=1", "authuser")}\" INTERNAL"))[^1]);

        // CATENATE with URLAUTH (RFC 4469 5.): another user's message, only through its authorized URL.
        await b.WriteAsync($"B1 APPEND INBOX CATENATE (URL \"{anyUser}\" TEXT {{5+}}\r\nmore\n)\r\n");
        Assert.StartsWith("B1 OK [APPENDUID", (await b.ReadUntilTaggedAsync("B1"))[^1], StringComparison.Ordinal);
        await b.CommandAsync("SELECT INBOX");
        Assert.Equal($"* 1 FETCH (BODY[] {{{Plain.Length + 5}}}\r\n{Plain}more\n)", (await b.CommandAsync("FETCH 1 BODY.PEEK[]"))[0]);

        // RESETKEY with no mailbox voids every key of the user.
        await a.CommandAsync("RESETKEY");
        Assert.Equal($"* URLFETCH \"{anyUser}\" NIL", (await b.CommandAsync($"URLFETCH \"{anyUser}\""))[0]);
        await b.WriteAsync($"B2 APPEND INBOX CATENATE (URL \"{anyUser}\")\r\n");
        Assert.StartsWith("B2 NO [BADURL", (await b.ReadUntilTaggedAsync("B2"))[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Urlfetch_gives_a_part_decoded_as_binary_and_its_bodypartstructure()
    {
        var mailbox = await host.CreateMailboxAsync();
        await host.DeliverAsync(mailbox,
            "From: a@example.org\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
            "--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n\r\n" +
            "--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding:\r\n base64\r\n\r\naGk=\r\n" +
            "--b--\r\n");
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        var one = await GenerateAsync(raw, Url(mailbox, "INBOX/;uid=1/;section=1", "authuser"));
        var two = await GenerateAsync(raw, Url(mailbox, "INBOX/;uid=1/;section=2", "authuser"));
        Assert.Equal($"* URLFETCH \"{one}\" (BINARY {{11}}\r\nhello world)", (await raw.CommandAsync($"URLFETCH (\"{one}\" BINARY)"))[0]);
        Assert.Equal($"* URLFETCH \"{one}\" (BODY {{18}}\r\naGVsbG8gd29ybGQ=\r\n)", (await raw.CommandAsync($"URLFETCH (\"{one}\" BODY)"))[0]);
        await raw.CommandAsync("SELECT INBOX");
        var structure = StructureOfFirstPart().Match((await raw.CommandAsync("FETCH 1 BODYSTRUCTURE"))[0]).Groups[1].Value;
        Assert.Contains("\"base64\" 18 1 ", structure, StringComparison.Ordinal);
        Assert.Equal($"* URLFETCH \"{one}\" (BODYPARTSTRUCTURE {structure})", (await raw.CommandAsync($"URLFETCH (\"{one}\" BODYPARTSTRUCTURE)"))[0]);
        // With BINARY, the structure describes the decoded bytes sent with it (as Dovecot answers; imaptest's urlauth-binary).
        var decoded = structure.Replace("\"base64\" 18 1 ", "\"base64\" 11 0 ", StringComparison.Ordinal);
        Assert.Equal($"* URLFETCH \"{one}\" (BODYPARTSTRUCTURE {decoded} BINARY {{11}}\r\nhello world)", (await raw.CommandAsync($"URLFETCH (\"{one}\" BINARY BODYPARTSTRUCTURE)"))[0]);
        // A message part: each encoded part inside is decoded and labelled binary.
        const string inner = "Subject: inner\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n\r\nhi";
        Assert.Equal($"* URLFETCH \"{two}\" (BINARY {{{inner.Length}}}\r\n{inner})", (await raw.CommandAsync($"URLFETCH (\"{two}\" BINARY)"))[0]);
    }

    /// <summary>An absolute URL of the user's mail as imaptest writes them: local part as user, domain as host.</summary>
    private static string Url(MailboxRecord mailbox, string path, string access)
    {
        var at = mailbox.Address.IndexOf('@', StringComparison.Ordinal);
        return $"imap://{mailbox.Address[..at]}@{mailbox.Address[(at + 1)..]}/{path};urlauth={access}";
    }

    private static async Task<string> GenerateAsync(Serverless.Testing.Raw.RawImap raw, string rump)
    {
        var lines = await raw.CommandAsync($"GENURLAUTH \"{rump}\" INTERNAL");
        Assert.Equal(raw.LastTag + " OK GENURLAUTH completed", lines[^1]);
        var url = GenUrlAuth().Match(lines[0]);
        Assert.True(url.Success, lines[0]);
        Assert.StartsWith(rump + ":internal:", url.Groups[1].Value, StringComparison.Ordinal);
        return url.Groups[1].Value;
    }

    [GeneratedRegex("^\\* GENURLAUTH \"([^\"]+)\"$")]
    private static partial Regex GenUrlAuth();

    /// <summary>The first part's structure inside "BODYSTRUCTURE ((...)(...) "mixed" ...)".</summary>
    [GeneratedRegex("BODYSTRUCTURE \\((\\(\"text\".*?\\))\\(")]
    private static partial Regex StructureOfFirstPart();
}
