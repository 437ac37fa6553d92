using Serverless.Mail.Model;
using Xunit;

namespace Serverless.Mail.Tests.Model;

public class FolderNamesTests
{
    [Theory]
    [InlineData("INBOX", "INBOX")]
    [InlineData("inbox", "INBOX")]
    [InlineData("InBoX", "INBOX")]
    [InlineData("inbox/Receipts", "INBOX/Receipts")]
    [InlineData("Inbox/a/b", "INBOX/a/b")]
    public void Inbox_in_any_case_is_INBOX_at_the_top_and_as_the_first_level(string name, string expected)
        => Assert.Equal(expected, FolderNames.Normalize(name));

    [Theory]
    [InlineData("Inboxes")]
    [InlineData("inbox/")]
    [InlineData("Archive/inbox")]
    [InlineData("Sent")]
    [InlineData("")]
    public void Every_other_name_is_kept_as_given(string name)
        => Assert.Equal(name, FolderNames.Normalize(name));
}
