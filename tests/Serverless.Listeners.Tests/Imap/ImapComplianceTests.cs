using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>Transcripts for behaviours Dovecot's imaptest holds servers to (issue 17, "wrong today").</summary>
public sealed class ImapComplianceTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    [Fact]
    public async Task Recent_goes_to_exactly_one_session_and_status_counts_only_unclaimed_messages()
    {
        var mailbox = await host.CreateMailboxAsync();
        await using var first = await host.RawAsync();
        await first.LoginAsync(mailbox.Address, ImapTestHost.Password);
        Assert.Contains("* 0 RECENT", await first.CommandAsync("SELECT INBOX"));

        // Arrives while the first session has INBOX selected: \Recent there, and only there.
        await host.DeliverAsync(mailbox, ImapTestHost.Message("new"));
        var noop = await first.CommandAsync("NOOP");
        Assert.Equal(["* 1 EXISTS", "* 1 RECENT"], noop[..^1]);
        Assert.Equal("* 1 FETCH (FLAGS (\\Recent))", (await first.CommandAsync("FETCH 1 FLAGS"))[0]);

        await using var second = await host.RawAsync();
        await second.LoginAsync(mailbox.Address, ImapTestHost.Password);
        Assert.Equal("* STATUS \"INBOX\" (RECENT 0)", (await second.CommandAsync("STATUS INBOX (RECENT)"))[0]);
        Assert.Contains("* 0 RECENT", await second.CommandAsync("SELECT INBOX"));
        Assert.Equal("* 1 FETCH (FLAGS ())", (await second.CommandAsync("FETCH 1 FLAGS"))[0]);

        // A message that arrives while nobody has the folder selected is counted until one SELECT claims it.
        await second.CommandAsync("CLOSE");
        await first.CommandAsync("CLOSE");
        await host.DeliverAsync(mailbox, ImapTestHost.Message("later"));
        Assert.Equal("* STATUS \"INBOX\" (RECENT 1)", (await second.CommandAsync("STATUS INBOX (RECENT)"))[0]);
        Assert.Contains("* 1 RECENT", await first.CommandAsync("SELECT INBOX"));
        Assert.Contains("* 0 RECENT", await second.CommandAsync("SELECT INBOX"));
        Assert.Equal("* STATUS \"INBOX\" (RECENT 0)", (await second.CommandAsync("STATUS INBOX (RECENT)"))[0]);
    }

    [Fact]
    public async Task A_name_that_is_not_modified_utf7_gets_no_and_list_with_such_a_pattern_keeps_the_connection()
    {
        var mailbox = await host.CreateMailboxAsync();
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);

        foreach (var name in new[] { "&", "&Jjo", "&AGE-", "&2D0-", "a&b" })
        {
            foreach (var command in new[] { "CREATE", "SELECT", "STATUS {0} (MESSAGES)", "SUBSCRIBE" })
            {
                var line = command.Contains("{0}", StringComparison.Ordinal) ? string.Format(System.Globalization.CultureInfo.InvariantCulture, command, $"\"{name}\"") : $"{command} \"{name}\"";
                var reply = await raw.CommandAsync(line);
                Assert.StartsWith(raw.LastTag + " NO ", reply[^1], StringComparison.Ordinal);
            }
            var rename = await raw.CommandAsync($"RENAME INBOX \"{name}\"");
            Assert.StartsWith(raw.LastTag + " NO ", rename[^1], StringComparison.Ordinal);
            // A pattern (or reference) that is not modified UTF-7 matches nothing: OK and no LIST response,
            // as Dovecot answers and imaptest's atoms test expects (it was NO [CANNOT] before).
            foreach (var list in new[] { $"LIST \"\" \"{name}\"", $"LIST \"\" \"{name}*\"", $"LIST \"\" \"*{name}%\"", $"LIST \"{name}\" *", $"LSUB \"\" \"{name}\"" })
            {
                Assert.Equal([raw.LastTag[..1] + (int.Parse(raw.LastTag[1..], System.Globalization.CultureInfo.InvariantCulture) + 1).ToString("D3", System.Globalization.CultureInfo.InvariantCulture) + " OK " + list[..4] + " completed"], await raw.CommandAsync(list));
            }
            // Beside a valid pattern it only adds nothing.
            Assert.Equal(["* LIST (\\HasNoChildren) \"/\" \"INBOX\""], (await raw.CommandAsync($"LIST \"\" (INBOX \"{name}\")"))[..^1]);
        }
        // Still connected, and not counted as bad commands.
        var noop = await raw.CommandAsync("NOOP");
        Assert.Equal(raw.LastTag + " OK NOOP completed", noop[^1]);
        await raw.CommandAsync("CREATE \"&AOk-t&AOk-\"");
        Assert.Equal("* LIST (\\HasNoChildren) \"/\" \"&AOk-t&AOk-\"", (await raw.CommandAsync("LIST \"\" \"&AOk-t&AOk-\""))[0]);
    }

    [Fact]
    public async Task A_new_keyword_is_announced_with_flags_to_every_session_before_a_fetch_shows_it()
    {
        var (mailbox, first) = await host.SelectedAsync(1);
        await using var _ = first;
        await using var second = await host.RawAsync();
        await second.LoginAsync(mailbox.Address, ImapTestHost.Password);
        Assert.Contains("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)", await second.CommandAsync("SELECT INBOX"));
        await using var reader = await host.RawAsync();
        await reader.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await reader.CommandAsync("EXAMINE INBOX");

        const string flags = "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Project)";
        const string permanent = "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Project \\*)] Flags permitted";
        Assert.Equal([flags, permanent, "* 1 FETCH (FLAGS ($Project \\Recent))"], (await first.CommandAsync("STORE 1 +FLAGS ($Project)"))[..^1]);
        Assert.Equal([flags, permanent, "* 1 FETCH (UID 1 FLAGS ($Project))"], (await second.CommandAsync("NOOP"))[..^1]);
        Assert.Equal([flags, "* 1 FETCH (UID 1 FLAGS ($Project))"], (await reader.CommandAsync("NOOP"))[..^1]); // read-only: no PERMANENTFLAGS
        Assert.Equal(["* 1 FETCH (FLAGS ($Project))"], (await second.CommandAsync("FETCH 1 FLAGS"))[..^1]);

        // APPEND with a keyword the folder has not had: FLAGS comes before the new message can be fetched.
        var append = await second.CommandAsync("APPEND INBOX ($Later) {2+}\r\nhi");
        Assert.EndsWith("APPEND completed", append[^1], StringComparison.Ordinal);
        var noop = (await first.CommandAsync("NOOP"))[..^1];
        Assert.Equal("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Project $Later)", noop[0]);
        Assert.Equal("* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Project $Later \\*)] Flags permitted", noop[1]);
        Assert.Contains("* 2 EXISTS", noop);
        Assert.DoesNotContain(noop.Skip(2), l => l.StartsWith("* FLAGS", StringComparison.Ordinal));
        Assert.StartsWith("* 2 FETCH (FLAGS ($Later", (await first.CommandAsync("FETCH 2 FLAGS"))[0], StringComparison.Ordinal);

        // NIL in a flag list is the keyword NIL: flag-keyword is an atom, and "NIL is never used for any
        // data item that takes the form of an atom" (RFC 9051 4.5). Announced like any new keyword.
        var storeNil = await first.CommandAsync("STORE 1 +FLAGS (NIL)");
        Assert.Equal("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Project $Later NIL)", storeNil[0]);
        Assert.Equal("* 1 FETCH (FLAGS ($Project NIL \\Recent))", storeNil[2]);
        Assert.Equal(["* 1 FETCH (FLAGS ($Project NIL \\Recent))"], (await first.CommandAsync("FETCH 1 FLAGS"))[..^1]);
        Assert.Equal("* SEARCH 1", (await first.CommandAsync("SEARCH KEYWORD NIL"))[0]);
    }

    [Fact]
    public async Task Envelope_keeps_an_addresss_source_route()
    {
        var mailbox = await host.CreateMailboxAsync();
        await host.DeliverAsync(mailbox, ImapTestHost.Message("routed", from: "Alice <@route.example,@relay.example:alice@example.org>", to: "<@hop.example:bob@example.com>"));
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await raw.CommandAsync("SELECT INBOX");
        var envelope = (await raw.CommandAsync("FETCH 1 ENVELOPE"))[0];
        Assert.Contains("((\"Alice\" \"@route.example,@relay.example\" \"alice\" \"example.org\"))", envelope, StringComparison.Ordinal);
        Assert.Contains("((NIL \"@hop.example\" \"bob\" \"example.com\"))", envelope, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_address_keys_match_name_local_part_and_domain_of_the_decoded_header()
    {
        var mailbox = await host.CreateMailboxAsync();
        await host.DeliverAsync(mailbox, ImapTestHost.Message("one", from: "\"=?UTF-8?B?SsO2cmcgTcO8bGxlcg==?=\" <Joerg.Mueller@Example.ORG>", to: "=?ISO-8859-1?Q?Ren=E9?= <rene@mail.example.net>",
            extraHeaders: "Cc: \"Doe, Jane\" <jane@corp.example>\r\nBcc: bob@example.com (Bob =?UTF-8?Q?B=C3=BCrger?=)\r\n"));
        await host.DeliverAsync(mailbox, ImapTestHost.Message("two", from: "other@elsewhere.test", to: "nobody@nowhere.test"));
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await raw.CommandAsync("SELECT INBOX");

        foreach (var key in new[] { "FROM \"jörg müller\"", "FROM joerg.mueller", "FROM example.org", "FROM \"Müller <joerg\"", "FROM EXAMPLE.org",
            "TO rené", "TO \"René <rene@\"", "TO mail.example", "CC \"doe, jane\"", "CC jane@corp", "BCC bob@", "BCC example.com" })
        {
            var bytes = System.Text.Encoding.UTF8.GetByteCount(key);
            var reply = key.Any(ch => ch > 127)
                ? await raw.CommandAsync($"SEARCH CHARSET UTF-8 {key.Split(' ')[0]} {{{System.Text.Encoding.UTF8.GetByteCount(key[(key.IndexOf(' ', StringComparison.Ordinal) + 1)..].Trim('"'))}+}}\r\n{key[(key.IndexOf(' ', StringComparison.Ordinal) + 1)..].Trim('"')}")
                : await raw.CommandAsync("SEARCH " + key);
            Assert.True(reply[0] == "* SEARCH 1", key + ": " + string.Join(" | ", reply));
        }
        Assert.Equal("* SEARCH", (await raw.CommandAsync("SEARCH FROM example.com"))[0]);
    }
}
