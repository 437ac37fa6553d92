using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>
/// IMAP4rev2 (RFC 9051) next to IMAP4rev1: each difference of Appendix E a session sees after
/// ENABLE IMAP4rev2, beside a session that did not enable it; SEARCHRES (RFC 5182); STATUS DELETED.
/// </summary>
public sealed class ImapRev2Tests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    [Fact]
    public async Task Imap4rev2_is_advertised_beside_imap4rev1_and_enabled_on_request()
    {
        var mailbox = await host.CreateMailboxAsync();
        await using var raw = await host.RawAsync();
        var capability = (await raw.CommandAsync("CAPABILITY"))[0];
        Assert.StartsWith("* CAPABILITY IMAP4rev1 ", capability, StringComparison.Ordinal);
        Assert.Contains(" IMAP4rev2 ", capability, StringComparison.Ordinal);
        Assert.Contains(" SEARCHRES ", capability, StringComparison.Ordinal);
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        Assert.Equal(["* ENABLED IMAP4rev2", NextTag(raw) + " OK ENABLE completed"], await raw.CommandAsync("ENABLE IMAP4rev2"));
    }

    [Fact]
    public async Task Select_after_enable_has_a_list_response_and_no_recent_or_unseen_and_new_mail_is_not_recent()
    {
        var mailbox = await host.CreateMailboxAsync();
        await host.DeliverAsync(mailbox, ImapTestHost.Message("one"));
        await using var rev1 = await host.RawAsync();
        await rev1.LoginAsync(mailbox.Address, ImapTestHost.Password);
        var rev1Select = await rev1.CommandAsync("EXAMINE INBOX");
        Assert.Contains("* 1 RECENT", rev1Select);
        Assert.Contains(rev1Select, l => l.StartsWith("* OK [UNSEEN 1]", StringComparison.Ordinal));
        Assert.DoesNotContain(rev1Select, l => l.StartsWith("* LIST", StringComparison.Ordinal));

        await using var rev2 = await host.RawAsync();
        await rev2.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await rev2.CommandAsync("ENABLE IMAP4rev2");
        var select = await rev2.CommandAsync("SELECT INBOX");
        Assert.Contains("* LIST (\\HasNoChildren) \"/\" \"INBOX\"", select);
        Assert.Contains("* 1 EXISTS", select);
        Assert.DoesNotContain(select, l => l.Contains("RECENT", StringComparison.Ordinal) || l.Contains("[UNSEEN", StringComparison.Ordinal));
        Assert.Equal("* 1 FETCH (FLAGS ())", (await rev2.CommandAsync("FETCH 1 FLAGS"))[0]); // it claimed \Recent, but does not show it

        // Mail arriving while selected: EXISTS without RECENT, and no \Recent on it.
        await host.DeliverAsync(mailbox, ImapTestHost.Message("two"));
        Assert.Equal(["* 2 EXISTS"], (await rev2.CommandAsync("NOOP"))[..^1]);
        Assert.Equal("* 2 FETCH (FLAGS ())", (await rev2.CommandAsync("FETCH 2 FLAGS"))[0]);

        // A special-use folder with a child: the LIST response's attributes are accurate.
        await rev2.CommandAsync("CREATE Trash/Old");
        await rev2.CommandAsync("CREATE Starred (USE (\\Flagged))");
        Assert.Contains("* LIST (\\HasChildren \\Trash) \"/\" \"Trash\"", await rev2.CommandAsync("EXAMINE Trash"));
        Assert.Contains("* LIST (\\HasNoChildren \\Flagged) \"/\" \"Starred\"", await rev2.CommandAsync("SELECT Starred"));
    }

    [Fact]
    public async Task Search_after_enable_answers_esearch_with_all_and_the_uid_indicator()
    {
        var (mailbox, rev1) = await host.SelectedAsync(3);
        await using var _ = rev1;
        Assert.Equal("* SEARCH 1 2 3", (await rev1.CommandAsync("SEARCH ALL"))[0]);

        await using var rev2 = await host.RawAsync();
        await rev2.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await rev2.CommandAsync("ENABLE IMAP4rev2");
        await rev2.CommandAsync("SELECT INBOX");
        Assert.Equal($"* ESEARCH (TAG \"{NextTag(rev2)}\") ALL 1:3", (await rev2.CommandAsync("SEARCH ALL"))[0]);
        Assert.Equal($"* ESEARCH (TAG \"{NextTag(rev2)}\") UID ALL 2:3", (await rev2.CommandAsync("UID SEARCH UID 2:3"))[0]);
        Assert.Equal([$"* ESEARCH (TAG \"{NextTag(rev2)}\")", NextTag(rev2) + " OK SEARCH completed"], await rev2.CommandAsync("SEARCH DELETED"));
        Assert.Equal($"* ESEARCH (TAG \"{NextTag(rev2)}\") COUNT 3", (await rev2.CommandAsync("SEARCH RETURN (COUNT) ALL"))[0]);
    }

    [Fact]
    public async Task Mailbox_names_are_utf8_after_enable_and_modified_utf7_before()
    {
        var mailbox = await host.CreateMailboxAsync();
        await using var rev2 = await host.RawAsync();
        await rev2.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await rev2.CommandAsync("ENABLE IMAP4rev2");
        var entwurfe = Encoding.UTF8.GetByteCount("Entwürfe");
        Assert.EndsWith("] CREATE completed", (await rev2.CommandAsync($"CREATE {{{entwurfe}+}}\r\nEntwürfe"))[^1], StringComparison.Ordinal);
        Assert.EndsWith("] CREATE completed", (await rev2.CommandAsync("CREATE \"R&D\""))[^1], StringComparison.Ordinal);
        Assert.EndsWith("] CREATE completed", (await rev2.CommandAsync("CREATE Projects/2026"))[^1], StringComparison.Ordinal);
        await rev2.CommandAsync("DELETE Projects"); // its name stays while a child exists

        // After ENABLE: UTF-8 (a literal when not ASCII, never a UTF-8 quoted string), "&" is itself.
        var latin1 = Encoding.Latin1.GetString(Encoding.UTF8.GetBytes("Entwürfe"));
        var list = await rev2.CommandAsync("LIST \"\" *");
        Assert.Contains($"* LIST (\\HasNoChildren) \"/\" {{{entwurfe}}}\r\n{latin1}", list);
        Assert.Contains("* LIST (\\HasNoChildren) \"/\" \"R&D\"", list);
        Assert.Contains("* LIST (\\NonExistent \\HasChildren) \"/\" \"Projects\"", await rev2.CommandAsync("LIST \"\" %"));
        Assert.Equal("* STATUS \"R&D\" (MESSAGES 0)", (await rev2.CommandAsync("STATUS \"R&D\" (MESSAGES)"))[0]);

        // The same folders for an IMAP4rev1 session: modified UTF-7, and a parent that exists only by its children is \Noselect.
        await using var rev1 = await host.RawAsync();
        await rev1.LoginAsync(mailbox.Address, ImapTestHost.Password);
        var rev1List = await rev1.CommandAsync("LIST \"\" *");
        Assert.Contains("* LIST (\\HasNoChildren) \"/\" \"Entw&APw-rfe\"", rev1List);
        Assert.Contains("* LIST (\\HasNoChildren) \"/\" \"R&-D\"", rev1List);
        Assert.Contains("* LIST (\\Noselect \\HasChildren) \"/\" \"Projects\"", await rev1.CommandAsync("LIST \"\" %"));
        Assert.Contains(NextTag(rev1) + " OK [READ-WRITE] SELECT completed", await rev1.CommandAsync("SELECT \"R&-D\""));
    }

    [Fact]
    public async Task Search_return_save_keeps_the_result_for_dollar_in_fetch_store_copy_and_search()
    {
        var (_, raw) = await host.SelectedAsync(5);
        await using var __ = raw;
        await raw.CommandAsync("STORE 2,4 +FLAGS.SILENT (\\Flagged)");

        // SAVE alone: nothing but the tagged OK (RFC 5182 2.1).
        Assert.Equal([NextTag(raw) + " OK SEARCH completed"], await raw.CommandAsync("SEARCH RETURN (SAVE) FLAGGED"));
        Assert.Equal(["* 2 FETCH (UID 2)", "* 4 FETCH (UID 4)"], (await raw.CommandAsync("FETCH $ UID"))[..^1]);
        Assert.Equal(["* 2 FETCH (UID 2)", "* 4 FETCH (UID 4)"], (await raw.CommandAsync("UID FETCH $ UID"))[..^1]);
        Assert.Equal("* SEARCH 4", (await raw.CommandAsync("SEARCH $ 3:5"))[0]);
        await raw.CommandAsync("STORE $ +FLAGS.SILENT (\\Deleted)");
        Assert.Equal("* SEARCH 2 4", (await raw.CommandAsync("SEARCH DELETED"))[0]);
        Assert.EndsWith("COPY completed", (await raw.CommandAsync("COPY $ Trash"))[^1], StringComparison.Ordinal);
        Assert.Equal("* STATUS \"Trash\" (MESSAGES 2)", (await raw.CommandAsync("STATUS Trash (MESSAGES)"))[0]);

        // Expunged messages leave the saved result; SAVE with MIN keeps only the first.
        await raw.CommandAsync("EXPUNGE");
        Assert.Equal([NextTag(raw) + " OK FETCH completed"], await raw.CommandAsync("FETCH $ UID"));
        Assert.Equal($"* ESEARCH (TAG \"{NextTag(raw)}\") UID MIN 1", (await raw.CommandAsync("UID SEARCH RETURN (SAVE MIN) UNFLAGGED"))[0]);
        Assert.Equal(["* 1 FETCH (UID 1)"], (await raw.CommandAsync("FETCH $ UID"))[..^1]);

        // "$" stands alone (RFC 5182 ABNF).
        Assert.StartsWith(NextTag(raw) + " BAD ", (await raw.CommandAsync("FETCH 1,$ UID"))[^1], StringComparison.Ordinal);
        Assert.Equal(["* 1 FETCH (UID 1)"], (await raw.CommandAsync("FETCH $ UID"))[..^1]);
    }

    /// <summary>The tag <see cref="RawImap.CommandAsync"/> gives the next command.</summary>
    private static string NextTag(Serverless.Testing.Raw.RawImap raw) =>
        "A" + (int.Parse(raw.LastTag[1..], System.Globalization.CultureInfo.InvariantCulture) + 1).ToString("D3", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Status_deleted_counts_messages_marked_deleted_in_either_mode()
    {
        var (mailbox, raw) = await host.SelectedAsync(3);
        await using var _ = raw;
        await raw.CommandAsync("STORE 1,3 +FLAGS.SILENT (\\Deleted)");
        await using var other = await host.RawAsync();
        await other.LoginAsync(mailbox.Address, ImapTestHost.Password);
        Assert.Equal("* STATUS \"INBOX\" (MESSAGES 3 DELETED 2)", (await other.CommandAsync("STATUS INBOX (MESSAGES DELETED)"))[0]);
        Assert.Equal("* STATUS \"Trash\" (DELETED 0)", (await other.CommandAsync("STATUS Trash (DELETED)"))[0]);
        var list = await other.CommandAsync("LIST \"\" INBOX RETURN (STATUS (DELETED))");
        Assert.Contains("* STATUS \"INBOX\" (DELETED 2)", list);
    }

    [Fact]
    public async Task MailKit_sees_an_imap4rev2_server_and_uses_it()
    {
        var mailbox = await host.CreateMailboxAsync();
        await host.DeliverAsync(mailbox, ImapTestHost.Message("alpha"));
        await host.DeliverAsync(mailbox, ImapTestHost.Message("beta"));
        using var client = await host.ConnectAsync(mailbox);
        // MailKit takes IMAP4rev2 to mean the extensions RFC 9051 folds in, SEARCHRES among them (it has no ENABLE for it).
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.IMAP4rev2 | ImapCapabilities.SearchResults | ImapCapabilities.ESearch));
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var results = await inbox.SearchAsync(SearchOptions.All | SearchOptions.Count, SearchQuery.SubjectContains("beta"));
        Assert.Equal(1, results.Count);
        Assert.Equal(2u, results.UniqueIds.Single().Id);
        await client.DisconnectAsync(true);
    }
}
