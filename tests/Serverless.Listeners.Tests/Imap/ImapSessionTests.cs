using MailKit;
using MailKit.Search;
using Xunit;

namespace Serverless.Listeners.Tests.Imap;

public sealed class ImapSessionTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    [Fact]
    public async Task Raw_login_select_fetch_logout_transcript()
    {
        var mailbox = await host.CreateMailboxAsync();
        await host.DeliverAsync(mailbox, ImapTestHost.Message("First"));
        await host.DeliverAsync(mailbox, ImapTestHost.Message("Second"), flags: ["\\Seen"]);
        await using var raw = await host.RawAsync();

        var caps = await raw.CommandAsync("CAPABILITY");
        Assert.Contains("IDLE", caps[0], StringComparison.Ordinal);
        Assert.Contains("STARTTLS", caps[0], StringComparison.Ordinal);
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);

        var select = await raw.CommandAsync("SELECT INBOX");
        Assert.Contains("* 2 EXISTS", select);
        Assert.Contains("* 2 RECENT", select);
        Assert.Contains(select, l => l.StartsWith("* OK [UIDVALIDITY ", StringComparison.Ordinal));
        Assert.Contains("* OK [UIDNEXT 3] Predicted next UID", select);
        Assert.Contains("* OK [UNSEEN 1] First unseen message", select);
        Assert.Equal("A003 OK [READ-WRITE] SELECT completed", select[^1]);

        var fetch = await raw.CommandAsync("FETCH 1:* (UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
        Assert.StartsWith("* 1 FETCH (UID 1 FLAGS (\\Recent) RFC822.SIZE ", fetch[0], StringComparison.Ordinal);
        Assert.EndsWith("BODY[HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: First\r\n\r\n)", fetch[0], StringComparison.Ordinal);
        Assert.StartsWith("* 2 FETCH (UID 2 FLAGS (\\Seen \\Recent)", fetch[1], StringComparison.Ordinal);
        Assert.Equal("A004 OK FETCH completed", fetch[^1]);

        var logout = await raw.CommandAsync("LOGOUT");
        Assert.StartsWith("* BYE", logout[0], StringComparison.Ordinal);
        Assert.Equal("A005 OK LOGOUT completed", logout[^1]);
    }

    [Fact]
    public async Task MailKit_lists_folders_and_reads_messages()
    {
        var mailbox = await host.CreateMailboxAsync();
        await host.DeliverAsync(mailbox, ImapTestHost.Message("Hello there", "Body text here."));
        using var client = await host.ConnectAsync(mailbox);

        var folders = await client.GetFoldersAsync(client.PersonalNamespaces[0]);
        Assert.Contains(folders, f => f.FullName == "Sent" && f.Attributes.HasFlag(FolderAttributes.Sent));
        Assert.Contains(folders, f => f.FullName == "Trash" && f.Attributes.HasFlag(FolderAttributes.Trash));

        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        Assert.Equal(1, inbox.Count);
        var summaries = await inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope | MessageSummaryItems.Flags | MessageSummaryItems.BodyStructure | MessageSummaryItems.UniqueId);
        Assert.Equal("Hello there", summaries[0].Envelope!.Subject);
        var message = await inbox.GetMessageAsync(summaries[0].UniqueId);
        Assert.Equal("Body text here.", message.TextBody!.Trim());

        Assert.Single(await inbox.SearchAsync(SearchQuery.NotSeen)); // MailKit reads with BODY.PEEK[]
        await inbox.AddFlagsAsync(summaries[0].UniqueId, MessageFlags.Seen, silent: true);
        Assert.Empty(await inbox.SearchAsync(SearchQuery.NotSeen));
        Assert.Single(await inbox.SearchAsync(SearchQuery.SubjectContains("there")));
        await client.DisconnectAsync(true);
    }
}
