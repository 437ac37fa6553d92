using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Serverless.Mail.Accounts;
using Serverless.Mail.Delivery;
using Serverless.Mail.Index;
using Serverless.Mail.Sieve;
using Serverless.Mail.Tests.Delivery;
using Serverless.Testing.Sieve;
using Xunit;

namespace Serverless.Mail.Tests.Sieve.Filing;

/// <summary>The ingest running each mailbox's active script (on Azurite, scripts from <see cref="TestSieveScripts"/>).</summary>
public sealed class SieveFilingTests : IAsyncLifetime
{
    private readonly TestSieveScripts _scripts = new();
    private IngestFixture _f = null!;

    public async Task InitializeAsync() =>
        _f = await IngestFixture.StartAsync(configure: s => s.AddSingleton<ISieveScriptSource>(_scripts));

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private static int Junk => SpecialUse.Defaults.First(f => f.Use == SpecialUse.Junk).Id;

    [Fact]
    public async Task Fileinto_with_create_makes_the_folder_and_stores_the_flags_once_under_redelivery()
    {
        _scripts.Set(_f.User.MailboxId, """
            require ["fileinto", "mailbox", "imap4flags"];
            if header :contains "subject" "report" { fileinto :create :flags ["\\Seen", "$Report"] "Reports/2026"; }
            """);
        var handoff = await _f.HandoffAsync(IngestFixture.Message("weekly report"), [IngestFixture.To(_f.User)]);
        Assert.Equal(new IngestResult(1, 0, 0, 0), await _f.Ingest.IngestAsync(handoff));
        Assert.Equal(new IngestResult(0, 1, 0, 0), await _f.Ingest.IngestAsync(handoff));
        var folder = await _f.Index.FindFolderAsync(_f.User.MailboxId, "Reports/2026");
        Assert.NotNull(folder);
        var filed = Assert.Single(await _f.MessagesAsync(_f.User, folder.FolderId));
        Assert.Equal(["\\Seen", "$Report"], filed.Flags);
        Assert.Empty(await _f.MessagesAsync(_f.User));
    }

    [Fact]
    public async Task Fileinto_an_unknown_folder_without_create_files_into_INBOX_and_fileinto_copy_makes_two_copies_on_one_blob()
    {
        _scripts.Set(_f.User.MailboxId, "require [\"fileinto\", \"copy\"];\nfileinto \"Nowhere\";\nfileinto :copy \"Trash\";");
        var handoff = await _f.HandoffAsync(IngestFixture.Message("two copies"), [IngestFixture.To(_f.User)]);
        Assert.Equal(new IngestResult(2, 0, 0, 0), await _f.Ingest.IngestAsync(handoff));
        Assert.Equal(new IngestResult(0, 2, 0, 0), await _f.Ingest.IngestAsync(handoff));
        var inbox = Assert.Single(await _f.MessagesAsync(_f.User));
        var trash = (await _f.Index.FindFolderAsync(_f.User.MailboxId, "Trash"))!;
        var copy = Assert.Single(await _f.MessagesAsync(_f.User, trash.FolderId));
        Assert.True(inbox.SharedBlob && copy.SharedBlob);
        await _f.Index.ExpungeAsync(_f.User.MailboxId, SpecialUse.InboxId, [inbox.Uid]);
        Assert.True(await _f.Store.ExistsAsync(handoff.BlobName));
        await _f.Index.ExpungeAsync(_f.User.MailboxId, trash.FolderId, [copy.Uid]);
        Assert.False(await _f.Store.ExistsAsync(handoff.BlobName));
    }

    [Fact]
    public async Task Spam_goes_to_Junk_on_keep_but_the_script_sees_the_verdict_and_may_file_it_into_INBOX()
    {
        var spam = await _f.HandoffAsync(IngestFixture.Message("cheap pills"), [IngestFixture.To(_f.User)]) with { Junk = true };
        _scripts.Set(_f.User.MailboxId, "keep;");
        await _f.Ingest.IngestAsync(spam);
        Assert.Single(await _f.MessagesAsync(_f.User, Junk));

        _scripts.Set(_f.User.MailboxId, "require \"fileinto\";\nif header :is \"X-Spam-Flag\" \"YES\" { fileinto \"INBOX\"; }");
        var again = await _f.HandoffAsync(IngestFixture.Message("cheap pills 2"), [IngestFixture.To(_f.User)]) with { Junk = true };
        await _f.Ingest.IngestAsync(again);
        Assert.Equal("cheap pills 2", Assert.Single(await _f.MessagesAsync(_f.User)).Summary!.Envelope.Subject);
    }

    [Fact]
    public async Task Discard_files_nothing_and_deletes_the_blob()
    {
        _scripts.Set(_f.User.MailboxId, "discard;");
        var handoff = await _f.HandoffAsync(IngestFixture.Message("bye"), [IngestFixture.To(_f.User)]);
        Assert.Equal(new IngestResult(0, 0, 0, 0), await _f.Ingest.IngestAsync(handoff));
        Assert.Empty(await _f.MessagesAsync(_f.User));
        Assert.False(await _f.Store.ExistsAsync(handoff.BlobName));
    }

    [Fact]
    public async Task Reject_returns_a_DSN_with_the_reason_to_a_local_sender_once_and_never_to_the_null_sender()
    {
        _scripts.Set(_f.Other.MailboxId, "require \"reject\";\nreject \"I do not take mail from you.\";");
        var handoff = await _f.HandoffAsync(IngestFixture.Message("hello", from: "user@example.com"), [IngestFixture.To(_f.Other)], mailFrom: "user@example.com");
        Assert.Equal(new IngestResult(0, 0, 1, 0), await _f.Ingest.IngestAsync(handoff));
        await _f.Ingest.IngestAsync(handoff);
        Assert.Equal("", string.Join(",", (await _f.MessagesAsync(_f.Other)).Select(m => m.Summary!.Envelope.Subject)));
        var dsn = Assert.Single(await _f.MessagesAsync(_f.User));
        var text = Encoding.UTF8.GetString(await _f.BlobAsync(dsn.BlobName));
        Assert.Contains("5.7.1", text, StringComparison.Ordinal);
        Assert.Contains("I do not take mail from you.", text, StringComparison.Ordinal);

        var bounce = await _f.HandoffAsync(IngestFixture.Message("a bounce"), [IngestFixture.To(_f.Other)], mailFrom: "");
        await _f.Ingest.IngestAsync(bounce);
        Assert.Single(await _f.MessagesAsync(_f.User));
        Assert.Empty(await _f.OutboundAsync());
    }

    [Fact]
    public async Task Redirect_goes_to_the_relay_with_a_Delivered_To_marker_and_a_message_carrying_it_is_kept_instead()
    {
        _scripts.Set(_f.User.MailboxId, "redirect \"friend@remote.example\";");
        var handoff = await _f.HandoffAsync(IngestFixture.Message("pass on"), [IngestFixture.To(_f.User)]);
        await _f.Ingest.IngestAsync(handoff);
        Assert.Empty(await _f.MessagesAsync(_f.User));
        var outbound = Assert.Single(await _f.OutboundAsync());
        Assert.Equal(($"{handoff.Id}.{_f.User.MailboxId}.redirect", "friend@remote.example", "example.com"),
            (outbound.Id, Assert.Single(outbound.Recipients).Address, outbound.ForwardedBy));
        var copy = Encoding.UTF8.GetString(await _f.BlobAsync(outbound.BlobName));
        Assert.StartsWith("Delivered-To: user@example.com\r\n", copy, StringComparison.Ordinal);
        Assert.Contains("Subject: pass on", copy, StringComparison.Ordinal);

        // The redirected copy comes back (a remote forward): the marker stops the loop and the message is kept.
        var back = await _f.HandoffAsync(copy, [IngestFixture.To(_f.User)]);
        await _f.Ingest.IngestAsync(back);
        Assert.Single(await _f.MessagesAsync(_f.User));
        Assert.Single(await _f.OutboundAsync());
    }

    [Fact]
    public async Task A_failing_script_files_into_INBOX_and_tells_the_user_once_per_version()
    {
        _scripts.Set(_f.User.MailboxId, "require \"fileinto\";\nif true {\n  redirect \"a@remote.example\"; redirect \"b@remote.example\"; redirect \"c@remote.example\";\n" +
            "  redirect \"d@remote.example\"; redirect \"e@remote.example\";\n}");
        for (var i = 0; i < 2; i++)
        {
            await _f.Ingest.IngestAsync(await _f.HandoffAsync(IngestFixture.Message("msg " + i), [IngestFixture.To(_f.User)]) with { Junk = true });
        }
        var inbox = await _f.MessagesAsync(_f.User);
        Assert.Equal(3, inbox.Count); // both messages, never lost, and one notice
        var notice = Assert.Single(inbox, m => m.Summary!.Envelope.Subject!.Contains("filter", StringComparison.Ordinal));
        Assert.Contains("line 4: more than 4 redirects", Encoding.UTF8.GetString(await _f.BlobAsync(notice.BlobName)), StringComparison.Ordinal);
        Assert.Empty(await _f.OutboundAsync());

        _scripts.Set(_f.User.MailboxId, "require \"fileinto\";\nfileinto \"${broken\";\nredirect \"a@remote.example\"; redirect \"b@remote.example\"; redirect \"c@remote.example\";\n" +
            "redirect \"d@remote.example\"; redirect \"e@remote.example\";");
        await _f.Ingest.IngestAsync(await _f.HandoffAsync(IngestFixture.Message("msg 3"), [IngestFixture.To(_f.User)]));
        Assert.Equal(5, (await _f.MessagesAsync(_f.User)).Count); // a new version: a new notice
    }

    [Fact]
    public async Task A_mailbox_without_a_script_is_filed_as_before_and_scripts_compile_once_per_version()
    {
        var handoff = await _f.HandoffAsync(IngestFixture.Message("plain"), [IngestFixture.To(_f.User)]);
        Assert.Equal(new IngestResult(1, 0, 0, 0), await _f.Ingest.IngestAsync(handoff));
        var compiled = _f.Services.GetRequiredService<CompiledSieveScripts>();
        var script = new ActiveSieveScript("s", "keep;", "v1");
        Assert.Same(compiled.Get(script), compiled.Get(script));
        Assert.NotSame(compiled.Get(script), compiled.Get(script with { Text = "discard;" }));
    }
}
