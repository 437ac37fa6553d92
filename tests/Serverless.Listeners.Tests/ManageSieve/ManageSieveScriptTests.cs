using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Sieve;
using Xunit;

namespace Serverless.Listeners.Tests.ManageSieve;

public sealed class ManageSieveScriptTests
{
    private const string Script = "require \"fileinto\";\r\nif header :contains \"subject\" \"list\" { fileinto \"Lists\"; }\r\n";

    [Fact]
    public async Task A_script_is_stored_listed_activated_read_renamed_and_deleted_as_RFC_5804_says()
    {
        await using var bed = await ManageSieveTestBed.StartAsync();
        await using var sieve = await bed.LoggedInAsync();
        var source = bed.Host.Services.GetRequiredService<ISieveScriptSource>();

        Assert.Equal("OK", (await sieve.PutScriptAsync("rules", Script)).Final);
        Assert.Equal(["\"rules\""], (await sieve.CommandAsync("LISTSCRIPTS")).Lines);
        Assert.Null(await source.GetActiveAsync(bed.Mailbox.MailboxId, default));

        Assert.Equal("OK", (await sieve.CommandAsync("SETACTIVE \"rules\"")).Final);
        Assert.Equal(["\"rules\" ACTIVE"], (await sieve.CommandAsync("LISTSCRIPTS")).Lines);
        var active = await source.GetActiveAsync(bed.Mailbox.MailboxId, default);
        Assert.Equal(("rules", Script), (active!.Name, active.Text));

        var get = await sieve.CommandAsync("GETSCRIPT \"rules\"");
        Assert.True(get.IsOk, get.Final);
        Assert.Equal([Script], get.Lines);

        Assert.Equal("OK", (await sieve.CommandAsync("RENAMESCRIPT \"rules\" \"filters\"")).Final);
        Assert.Equal(["\"filters\" ACTIVE"], (await sieve.CommandAsync("LISTSCRIPTS")).Lines);
        Assert.Equal("filters", (await source.GetActiveAsync(bed.Mailbox.MailboxId, default))!.Name);

        Assert.Equal("OK", (await sieve.PutScriptAsync("other", "keep;\r\n")).Final);
        Assert.Equal("NO (ALREADYEXISTS) \"A script named \\\"filters\\\" exists already\"", (await sieve.CommandAsync("RENAMESCRIPT \"other\" \"filters\"")).Final);
        Assert.StartsWith("NO (ACTIVE)", (await sieve.CommandAsync("DELETESCRIPT \"filters\"")).Final, StringComparison.Ordinal);
        Assert.Equal("OK", (await sieve.CommandAsync("SETACTIVE \"\"")).Final);
        Assert.Null(await source.GetActiveAsync(bed.Mailbox.MailboxId, default));
        Assert.Equal("OK", (await sieve.CommandAsync("DELETESCRIPT \"filters\"")).Final);
        Assert.Equal(["\"other\""], (await sieve.CommandAsync("LISTSCRIPTS")).Lines);
        Assert.Equal("NO (NONEXISTENT) \"There is no script named \\\"filters\\\"\"", (await sieve.CommandAsync("GETSCRIPT \"filters\"")).Final);
        Assert.StartsWith("NO (NONEXISTENT)", (await sieve.CommandAsync("SETACTIVE \"filters\"")).Final, StringComparison.Ordinal);
        Assert.StartsWith("NO (NONEXISTENT)", (await sieve.CommandAsync("DELETESCRIPT \"filters\"")).Final, StringComparison.Ordinal);
        Assert.StartsWith("NO (NONEXISTENT)", (await sieve.CommandAsync("RENAMESCRIPT \"filters\" \"x\"")).Final, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replacing_the_active_script_changes_what_the_ingest_gets_and_its_version()
    {
        await using var bed = await ManageSieveTestBed.StartAsync();
        await using var sieve = await bed.LoggedInAsync();
        var source = bed.Host.Services.GetRequiredService<ISieveScriptSource>();
        await sieve.PutScriptAsync("rules", "keep;\r\n");
        await sieve.CommandAsync("SETACTIVE \"rules\"");
        var first = await source.GetActiveAsync(bed.Mailbox.MailboxId, default);
        Assert.Equal("OK", (await sieve.PutScriptAsync("rules", Script)).Final);
        var second = await source.GetActiveAsync(bed.Mailbox.MailboxId, default);
        Assert.Equal(Script, second!.Text);
        Assert.NotEqual(first!.Version, second.Version);
    }

    [Fact]
    public async Task A_script_that_does_not_compile_is_answered_NO_with_line_and_reason_and_never_stored()
    {
        await using var bed = await ManageSieveTestBed.StartAsync();
        await using var sieve = await bed.LoggedInAsync();
        Assert.Equal("NO \"line 2: unknown command 'broken'\"", (await sieve.PutScriptAsync("bad", "keep;\r\nBROKEN;\r\n")).Final);
        Assert.Empty((await sieve.CommandAsync("LISTSCRIPTS")).Lines);
        Assert.Equal("NO \"line 3: unknown command 'broken'\"", (await sieve.CommandAsync("CHECKSCRIPT {16+}\r\nkeep;\r\n\r\nBROKEN;")).Final);
        Assert.Equal("OK", (await sieve.CommandAsync("CHECKSCRIPT \"keep;\"")).Final);
        Assert.Empty((await sieve.CommandAsync("LISTSCRIPTS")).Lines);
    }

    [Fact]
    public async Task HAVESPACE_and_PUTSCRIPT_answer_the_quota_codes_and_replacing_a_script_needs_no_new_slot()
    {
        await using var bed = await ManageSieveTestBed.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Mail:Sieve:MaxScripts"] = "2",
            ["Mail:Sieve:MaxScriptBytes"] = "100",
        });
        await using var sieve = await bed.LoggedInAsync();
        Assert.Equal("OK", (await sieve.CommandAsync("HAVESPACE \"a\" 100")).Final);
        Assert.Equal("NO (QUOTA/MAXSIZE) \"A script may have at most 100 octets\"", (await sieve.CommandAsync("HAVESPACE \"a\" 101")).Final);
        Assert.Equal("OK", (await sieve.PutScriptAsync("a", "keep;")).Final);
        Assert.Equal("OK", (await sieve.PutScriptAsync("b", "keep;")).Final);
        Assert.Equal("NO (QUOTA/MAXSCRIPTS) \"At most 2 scripts may be stored\"", (await sieve.CommandAsync("HAVESPACE \"c\" 5")).Final);
        Assert.StartsWith("NO (QUOTA/MAXSCRIPTS)", (await sieve.PutScriptAsync("c", "keep;")).Final, StringComparison.Ordinal);
        Assert.Equal("OK", (await sieve.CommandAsync("HAVESPACE \"a\" 5")).Final);
        Assert.Equal("OK", (await sieve.PutScriptAsync("a", "discard;")).Final);
        Assert.Equal(["\"a\"", "\"b\""], (await sieve.CommandAsync("LISTSCRIPTS")).Lines);
    }

    [Fact]
    public async Task Names_follow_RFC_5804_and_quoted_names_with_escapes_and_UTF8_come_back_the_same()
    {
        await using var bed = await ManageSieveTestBed.StartAsync();
        await using var sieve = await bed.LoggedInAsync();
        Assert.Equal("OK", (await sieve.CommandAsync("PUTSCRIPT \"Ferien \\\"\u00e4\\\" a\\\\b\" \"keep;\"")).Final);
        Assert.Equal(["\"Ferien \\\"\u00e4\\\" a\\\\b\""], (await sieve.CommandAsync("LISTSCRIPTS")).Lines);
        Assert.Equal("NO \"A script name must not be empty\"", (await sieve.CommandAsync("PUTSCRIPT \"\" \"keep;\"")).Final);
        Assert.Equal("NO \"A script name must not contain control characters\"", (await sieve.CommandAsync("PUTSCRIPT {3+}\r\na\tb \"keep;\"")).Final);
    }

}
