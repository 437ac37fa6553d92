using System.Text;
using Serverless.Testing.Raw;
using Xunit;
using static Serverless.Cli.Tests.SmailSessionTests;

namespace Serverless.Cli.Tests;

/// <summary><c>smail export</c> and <c>smail import --file … --wait</c> against the dev host: an mbox round trip from one mailbox into another.</summary>
[Collection(CliCollection.Name)]
public sealed class ImportExportTests(CliStackFixture fixture)
{
    private const string Password = "move co's long password";
    private readonly SmailRunner _cli = new(fixture.Stack);

    [Fact]
    public async Task A_mailbox_exported_as_mbox_and_imported_with_wait_arrives_in_the_other_mailbox()
    {
        Ok(await _cli.AdminAsync("tenants", "add", "moveco"));
        Ok(await _cli.AdminAsync("domains", "add", "moveco.test", "-t", "moveco"));
        Ok(await _cli.AdminAsync("mailboxes", "add", "old@moveco.test", "-t", "moveco", "--password", Password));
        Ok(await _cli.AdminAsync("mailboxes", "add", "new@moveco.test", "-t", "moveco", "--password", Password));
        const string message = "From: <someone@example.test>\r\nTo: <old@moveco.test>\r\nSubject: Moving day\r\nMessage-ID: <moving@example.test>\r\n\r\nEverything goes.\r\n";
        await using (var imap = await LoginAsync("old@moveco.test"))
        {
            var appended = await imap.CommandAsync($"APPEND INBOX (\\Seen) {{{Encoding.UTF8.GetByteCount(message)}+}}\r\n{message}");
            Assert.StartsWith(imap.LastTag + " OK", appended[^1], StringComparison.Ordinal);
        }

        Directory.CreateDirectory(_cli.WorkingDirectory);
        var file = Path.Combine(_cli.WorkingDirectory, "old.mbox");
        var exported = Ok(await _cli.AdminAsync("export", "old@moveco.test", "-t", "moveco", "--format", "mbox", "-o", file));
        Assert.Contains(file, exported.Out, StringComparison.Ordinal);
        var mbox = await File.ReadAllTextAsync(file);
        Assert.StartsWith("From ", mbox, StringComparison.Ordinal);
        Assert.Contains("Subject: Moving day", mbox, StringComparison.Ordinal);
        Assert.False(File.Exists(file + ".part"));

        var imported = Ok(await _cli.AdminAsync("import", "new@moveco.test", "-t", "moveco", "--file", file, "--folder", "Old mail", "--wait"));
        Assert.Contains(": completed, 1 of 1 messages", imported.Out, StringComparison.Ordinal);
        var id = System.Text.RegularExpressions.Regex.Match(imported.Out, "Import ([0-9a-f]{32}) ").Groups[1].Value;
        var status = Json(Ok(await _cli.AdminAsync("import", "status", "new@moveco.test", id, "-t", "moveco", "--json")));
        Assert.Equal("completed", status.GetProperty("status").GetString());
        Assert.Equal(1, status.GetProperty("messagesCopied").GetInt64());

        // The message is in the named folder, byte for byte (an mbox carries bytes and dates; flags travel in a Maildir zip).
        await using var target = await LoginAsync("new@moveco.test");
        Assert.Contains("* 1 EXISTS", await target.CommandAsync("SELECT \"Old mail\""));
        var fetched = string.Join("\r\n", await target.CommandAsync("FETCH 1 BODY.PEEK[]"));
        Assert.Contains(message, fetched, StringComparison.Ordinal);

        // Cancelling an import that has ended changes nothing; an unknown one is the API's 404: exit 3.
        Assert.Contains(": completed,", Ok(await _cli.AdminAsync("import", "cancel", "new@moveco.test", id, "-t", "moveco")).Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Refused, (await _cli.AdminAsync("import", "status", "new@moveco.test", "no-such-import", "-t", "moveco")).Code);
        Directory.Delete(_cli.WorkingDirectory, recursive: true);
    }

    [Fact]
    public async Task An_import_without_a_source_is_a_usage_error_and_the_password_comes_from_stdin()
    {
        var nowhere = await _cli.AdminAsync("import", "new@moveco.test", "-t", "moveco");
        Assert.True(nowhere.Code == ExitCodes.Usage, nowhere.ToString());
        Assert.StartsWith("error: Where from?", nowhere.Error, StringComparison.Ordinal);

        // No terminal and no --password-stdin: refused before anything is sent; with it, the password is read and the API answers.
        var noPassword = await _cli.AdminAsync("import", "new@moveco.test", "-t", "moveco", "--host", "imap.example.test", "--username", "me");
        Assert.Equal(ExitCodes.Usage, noPassword.Code);
        _cli.Input = "the old password\n";
        var sent = await _cli.AdminAsync("import", "nobody@moveco.test", "-t", "nomoveco", "--host", "imap.example.test", "--username", "me", "--password-stdin");
        Assert.True(sent.Code == ExitCodes.Refused, sent.ToString());
    }

    private async Task<RawImap> LoginAsync(string address)
    {
        var imap = await RawImap.ConnectAsync(fixture.Stack.Port("Imap"));
        await imap.CommandAsync("STARTTLS");
        await imap.StartTlsAsync();
        await imap.LoginAsync(address, Password);
        return imap;
    }
}
