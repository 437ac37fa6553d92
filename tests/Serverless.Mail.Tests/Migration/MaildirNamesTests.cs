using Serverless.Mail.Migration;
using Serverless.Mail.Migration.Files;
using Xunit;

namespace Serverless.Mail.Tests.Migration;

/// <summary>Maildir++ names (folders, the :2, info suffix, dovecot-keywords) and where source folders land.</summary>
public sealed class MaildirNamesTests
{
    [Theory]
    [InlineData("cur/1700000000.M1.host:2,S", "INBOX", false)]
    [InlineData("Maildir/new/1700000000.M1.host", "INBOX", false)]
    [InlineData(".Sent/cur/1.x:2,", "Sent", false)]
    [InlineData("Maildir/.Archive.2024/cur/1.x:2,RS", "Archive/2024", false)]
    [InlineData(".Work/dovecot-keywords", "Work", true)]
    public void Entries_are_placed_in_their_folder(string path, string folder, bool keywords) =>
        Assert.Equal((folder, keywords), MaildirNames.Classify(path));

    [Theory]
    [InlineData("tmp/1.x")]
    [InlineData("cur/")]
    [InlineData("dovecot-uidlist")]
    [InlineData(".Sent/maildirfolder")]
    public void Other_entries_are_not_messages(string path) => Assert.Null(MaildirNames.Classify(path));

    [Fact]
    public void Flags_and_keywords_round_trip_through_the_info_suffix()
    {
        var index = new List<string>();
        var info = MaildirNames.FormatInfo(["\\Seen", "\\Answered", "Work", "\\Deleted", "$Forwarded", "\\Flagged", "\\Draft", "$label1", "\\Recent"], index);
        Assert.Equal(":2,DFPRSTab", info);
        Assert.Equal(["Work", "$label1"], index);
        var keywords = MaildirNames.ParseKeywordsFile(MaildirNames.FormatKeywordsFile(index));
        Assert.Equal(["\\Draft", "\\Flagged", "$Forwarded", "\\Answered", "\\Seen", "\\Deleted", "Work", "$label1"],
            MaildirNames.ParseFlags("1700000000.M1.host,S=10" + info, keywords));
        Assert.Empty(MaildirNames.ParseFlags("1700000000.M1.host", keywords));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), MaildirNames.DateOf("1700000000.M1.host:2,S"));
        Assert.Null(MaildirNames.DateOf("msg.1"));
    }

    [Theory]
    [InlineData("Sent Items", "", "Sent")]
    [InlineData("INBOX/Sent", "", "Sent")]
    [InlineData("Deleted Messages", "", "Trash")]
    [InlineData("Spam", "", "Junk")]
    [InlineData("Gesendete Objekte", "\\Sent", "Sent")]
    [InlineData("Projects/Sent", "", "Projects/Sent")]
    [InlineData("inbox", "", "INBOX")]
    [InlineData("Clients/Acme", "", "Clients/Acme")]
    public void Source_folders_map_onto_ours_by_special_use_or_common_name(string source, string use, string ours) =>
        Assert.Equal(ours, FolderMapping.Target(source, use.Length == 0 ? [] : [use]));

    [Fact]
    public void Virtual_folders_are_not_imported()
    {
        Assert.True(FolderMapping.IsVirtual(["\\All"]));
        Assert.True(FolderMapping.IsVirtual(["\\Flagged"]));
        Assert.False(FolderMapping.IsVirtual(["\\Sent"]));
    }

    [Fact]
    public void Source_passwords_are_encrypted_for_one_import_only()
    {
        var passwords = new SourcePasswords(new ImportOptions { SecretKey = "k" });
        var sealedPassword = passwords.Protect("import-1", "hunter2 ✓");
        Assert.DoesNotContain("hunter2", sealedPassword, StringComparison.Ordinal);
        Assert.Equal("hunter2 ✓", passwords.Unprotect("import-1", sealedPassword));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => passwords.Unprotect("import-2", sealedPassword));
        Assert.False(new SourcePasswords(new ImportOptions()).Configured);
    }
}
