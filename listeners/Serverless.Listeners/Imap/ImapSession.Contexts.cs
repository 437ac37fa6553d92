using Serverless.Mail.Index;

namespace Serverless.Listeners.Imap;

internal sealed partial class ImapSession
{
    /// <summary>SEARCH / SORT results kept up to date for the client (RFC 5267 RETURN (UPDATE)).</summary>
    public SearchUpdates SearchUpdates { get; } = new();

    /// <summary>Before the view moves to <paramref name="target"/>: kept results lose the messages it no longer has.</summary>
    private void ReportContextExpunges(SelectedFolder folder, FolderView target)
    {
        if (SearchUpdates.Any && target.UidValidity == folder.View.UidValidity)
        {
            SearchUpdates.ReportExpunges(this, folder, target);
        }
    }

    /// <summary>After a command or a change report: kept results gain or lose the changed messages.</summary>
    private async Task ReportContextChangesAsync(CancellationToken cancellationToken)
    {
        if (SearchUpdates.Any && Selected is { } folder)
        {
            await SearchUpdates.ReportChangesAsync(this, folder, cancellationToken);
        }
    }
}
