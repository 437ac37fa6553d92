using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Index;
using Serverless.Testing;
using Xunit;

namespace Serverless.Mail.Tests.Index;

/// <summary>Folder rows through <see cref="MailboxIndex"/> (<see cref="FolderCatalog"/>).</summary>
public sealed class FolderCatalogTests
{
    [Fact]
    public async Task Folders_are_created_once_by_name_with_fresh_uidvalidity()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var index = sp.GetRequiredService<MailboxIndex>();
        var mailbox = Guid.NewGuid().ToString("N");
        await index.CreateMailboxAsync(mailbox);
        var work = await index.CreateFolderAsync(mailbox, "Work/Projects ☃");
        Assert.NotNull(work);
        Assert.Null(await index.CreateFolderAsync(mailbox, "Work/Projects ☃"));
        Assert.Null(await index.CreateFolderAsync(mailbox, "inbox"));
        var found = await index.FindFolderAsync(mailbox, "Work/Projects ☃");
        Assert.Equal(work!.FolderId, found!.FolderId);
        var all = await index.ListFoldersAsync(mailbox);
        Assert.Equal(all.Count, all.Select(f => f.UidValidity).Distinct().Count());
        Assert.Equal(1, (await index.FindFolderAsync(mailbox, "iNbOx"))!.FolderId);
    }
}
