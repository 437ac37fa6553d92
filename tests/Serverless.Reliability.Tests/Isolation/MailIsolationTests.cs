using System.Text;
using Serverless.Mail.Index;
using Serverless.Reliability.Tests.Infrastructure;
using Xunit;

namespace Serverless.Reliability.Tests.Isolation;

/// <summary>
/// Over SMTP AUTH, IMAP and POP3, a logged-in user reaches only their own mailbox, whichever way
/// another user's or tenant's data is named: login names and SASL authorisation ids, envelope
/// senders, folder names (paths, other users' addresses, shared-namespace prefixes, escapes), UIDs
/// and message numbers beyond one's own, another mailbox's id, and blob names (no command takes
/// one: sent in every argument slot, they name nothing). Bob and dave hold messages with secret
/// markers; alice's sessions never see a marker, and bob's and dave's mailboxes are unchanged.
/// </summary>
public sealed class MailIsolationTests : IAsyncLifetime
{
    private MailStack _stack = null!;
    private readonly string _secret = "SECRET-" + Guid.NewGuid().ToString("N");
    private IndexedMessage _bobs = null!;

    public async Task InitializeAsync()
    {
        _stack = await MailStack.StartAsync();
        await using (var sender = await SmtpSender.ConnectAsync(_stack.SmtpPort))
        {
            Assert.Equal(250, (await sender.SendAsync("x@client.reliability.test", ["bob@acme.test"], SmtpSender.Message("bob-1@x", "for bob", "bob@acme.test", _secret + "-bob\r\n")))?.Code);
            Assert.Equal(250, (await sender.SendAsync("x@client.reliability.test", ["dave@globex.test"], SmtpSender.Message("dave-1@x", "for dave", "dave@globex.test", _secret + "-dave\r\n")))?.Code);
            Assert.Equal(250, (await sender.SendAsync("x@client.reliability.test", ["alice@acme.test"], SmtpSender.Message("alice-1@x", "for alice", "alice@acme.test")))?.Code);
        }
        _bobs = Assert.Single(await Poll.UntilAsync(() => _stack.MessagesAsync("bob@acme.test"), l => l.Count >= 1, TimeSpan.FromSeconds(30)));
        Assert.Single(await Poll.UntilAsync(() => _stack.MessagesAsync("dave@globex.test"), l => l.Count >= 1, TimeSpan.FromSeconds(30)));
        Assert.Single(await Poll.UntilAsync(() => _stack.MessagesAsync("alice@acme.test"), l => l.Count >= 1, TimeSpan.FromSeconds(30)));
    }

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    private static string Plain(string authzid, string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{authzid}\0{user}\0{password}"));

    [Fact]
    public async Task Smtp_auth_and_envelope_senders_cannot_borrow_another_identity()
    {
        await using var wire = await Wire.ConnectAsync(_stack.SubmissionPort);
        Assert.Equal(220, (await wire.SmtpReplyAsync())?.Code);
        Assert.Equal(250, (await wire.SmtpAsync("EHLO client.reliability.test"))?.Code);
        // Alice's password does not open dave's or bob's account, nor does naming them as authorisation id.
        Assert.Equal(535, (await wire.SmtpAsync("AUTH PLAIN " + Plain("", "dave@globex.test", MailStack.Password + "x")))?.Code);
        Assert.Equal(535, (await wire.SmtpAsync("AUTH PLAIN " + Plain("dave@globex.test", "alice@acme.test", MailStack.Password)))?.Code);
        Assert.Equal(235, (await wire.SmtpAsync("AUTH PLAIN " + Plain("", "alice@acme.test", MailStack.Password)))?.Code);
        foreach (var sender in new[] { "dave@globex.test", "bob@acme.test", "ops@globex.test", "sales@acme.test", "postmaster@globex.test", "" })
        {
            var reply = await wire.SmtpAsync($"MAIL FROM:<{sender}>");
            Assert.True(reply?.Code is 553 or 550, $"MAIL FROM:<{sender}> as alice: {reply}");
        }
        // An alias of her own tenant that delivers to her is hers to send from (team → alice, bob).
        Assert.Equal(250, (await wire.SmtpAsync("MAIL FROM:<team@acme.test>"))?.Code);
    }

    [Fact]
    public async Task Pop3_shows_only_the_users_own_inbox()
    {
        await using var wire = await Wire.ConnectAsync(_stack.Pop3Port);
        await wire.ReadLineAsync();
        // Another user's name with one's own password, or an authorisation id naming them: refused.
        await wire.LineAsync("AUTH PLAIN " + Plain("bob@acme.test", "alice@acme.test", MailStack.Password));
        Assert.StartsWith("-ERR", await wire.ReadLineAsync(), StringComparison.Ordinal);
        await wire.LineAsync("USER bob@acme.test");
        await wire.ReadLineAsync();
        await wire.LineAsync("PASS " + MailStack.Password + "x");
        Assert.StartsWith("-ERR [AUTH]", await wire.ReadLineAsync(), StringComparison.Ordinal);
        await wire.LineAsync("USER alice@acme.test");
        await wire.ReadLineAsync();
        await wire.LineAsync("PASS " + MailStack.Password);
        Assert.StartsWith("+OK 1 messages", await wire.ReadLineAsync(), StringComparison.Ordinal);
        var transcript = new StringBuilder();
        foreach (var command in new[] { "LIST", "UIDL", "RETR 1", "RETR 2", "TOP 2 10", "RETR 0", "RETR -1", "RETR 4294967297", $"RETR {_bobs.Uid}",
            $"RETR {_bobs.BlobName}", $"UIDL {_bobs.BlobName}", $"TOP {_bobs.BlobName} 5", "DELE 2", "RSET", "STAT" })
        {
            await wire.LineAsync(command);
            var first = await wire.ReadLineAsync();
            transcript.AppendLine(first);
            if (first is not null && first.StartsWith("+OK", StringComparison.Ordinal) && command is "LIST" or "UIDL" or "RETR 1")
            {
                while (await wire.ReadLineAsync() is { } line && line != ".")
                {
                    transcript.AppendLine(line);
                }
            }
        }
        await wire.LineAsync("QUIT");
        await wire.ReadLineAsync();
        var text = transcript.ToString();
        Assert.DoesNotContain(_secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(_bobs.BlobName, text, StringComparison.Ordinal); // UIDL is UIDVALIDITY+UID, never a storage name
        Assert.Contains("Subject: for alice", text, StringComparison.Ordinal);
        await AssertOthersUntouchedAsync();
    }

    [Fact]
    public async Task Imap_folder_names_uids_and_blob_names_never_reach_another_mailbox()
    {
        await using var wire = await Wire.ConnectAsync(_stack.ImapPort);
        await wire.ReadLineAsync();
        var all = new StringBuilder();
        async Task<string> Run(string tag, string command)
        {
            await wire.LineAsync($"{tag} {command}");
            var lines = await wire.ImapUntilTaggedAsync(tag);
            var text = string.Join("\n", lines);
            all.AppendLine(text);
            return lines[^1];
        }

        Assert.Contains(" NO", await Run("a0", $"LOGIN bob@acme.test \"{MailStack.Password}x\""), StringComparison.Ordinal);
        Assert.Contains(" NO", await Run("a1", "AUTHENTICATE PLAIN " + Plain("bob@acme.test", "alice@acme.test", MailStack.Password)), StringComparison.Ordinal);
        Assert.Contains(" OK", await Run("a2", $"LOGIN alice@acme.test \"{MailStack.Password}\""), StringComparison.Ordinal);

        var bobId = _stack.Mailbox("bob@acme.test").MailboxId;
        var foreignNames = new[]
        {
            "bob@acme.test", "bob@acme.test/INBOX", "dave@globex.test/INBOX", "#shared/bob", "#users/bob", "Other Users/bob", "~bob/INBOX", "../bob/INBOX",
            "INBOX/../../bob", "/INBOX", bobId, bobId + "/INBOX", _bobs.BlobName, "messages/" + _bobs.BlobName, "%", "*",
        };
        foreach (var name in foreignNames)
        {
            Assert.DoesNotContain(" OK", await Run("s1", $"SELECT \"{name}\""), StringComparison.Ordinal);
            await Run("s2", $"STATUS \"{name}\" (MESSAGES UIDNEXT)");
            await Run("s3", $"EXAMINE \"{name}\"");
        }
        var list = await Run("l1", "LIST \"\" \"*\"");
        Assert.Contains(" OK", list, StringComparison.Ordinal);
        await Run("l2", "LIST \"#shared\" \"*\"");
        await Run("l3", "LIST \"\" \"bob*\"");
        await Run("n1", "NAMESPACE");

        Assert.Contains(" OK", await Run("x1", "SELECT INBOX"), StringComparison.Ordinal);
        // UIDs and sequence numbers beyond alice's own, and a blob name where a section goes.
        await Run("f1", $"UID FETCH {_bobs.Uid}:{_bobs.Uid + 1000} (BODY.PEEK[] ENVELOPE)");
        await Run("f2", "FETCH 1:* (BODY.PEEK[] BODYSTRUCTURE FLAGS UID)");
        await Run("f3", "FETCH 2:100 (BODY.PEEK[])");
        await Run("f4", $"FETCH 1 (BODY.PEEK[{_bobs.BlobName}])");
        await Run("f5", $"UID FETCH 4294967295 (BODY.PEEK[])");
        await Run("f6", $"UID SEARCH TEXT \"{_secret}\"");
        // Copying or moving "to" another user's mailbox, appending there, renaming into it, deleting it.
        await Run("c1", "COPY 1 \"bob@acme.test/INBOX\"");
        await Run("c2", "UID MOVE 1 \"dave@globex.test/INBOX\"");
        await Run("c3", $"COPY 1 \"{bobId}\"");
        await wire.LineAsync("p1 APPEND \"bob@acme.test/INBOX\" {10+}\r\nSubject: x");
        all.AppendLine(string.Join("\n", await wire.ImapUntilTaggedAsync("p1")));
        await Run("r1", "RENAME \"bob@acme.test/INBOX\" Mine");
        await Run("d1", "DELETE \"bob@acme.test/INBOX\"");
        await Run("d2", "DELETE \"../bob\"");
        await Run("z1", "LOGOUT");

        var transcript = all.ToString();
        Assert.DoesNotContain(_secret, transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("for bob", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("for dave", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain(_bobs.BlobName, transcript.Replace(_bobs.BlobName + "\"", "", StringComparison.Ordinal)
            .Replace(_bobs.BlobName + "]", "", StringComparison.Ordinal).Replace("\"" + _bobs.BlobName, "", StringComparison.Ordinal), StringComparison.Ordinal);
        await AssertOthersUntouchedAsync();
    }

    /// <summary>Bob's and dave's mailboxes still hold exactly their one message, unread, and no folder was added to them.</summary>
    private async Task AssertOthersUntouchedAsync()
    {
        foreach (var address in new[] { "bob@acme.test", "dave@globex.test" })
        {
            var messages = await _stack.MessagesAsync(address);
            var m = Assert.Single(messages);
            Assert.DoesNotContain(m.Flags, f => f is "\\Seen" or "\\Deleted");
            var folders = await _stack.Get<MailboxIndex>().ListFoldersAsync(_stack.Mailbox(address).MailboxId);
            Assert.Equal(6, folders.Count);
        }
    }
}
