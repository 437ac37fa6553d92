using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>RFC 5161 ENABLE: CONDSTORE, QRESYNC and IMAP4rev2 (RFC 9051 Appendix A) are what needs enabling here.</summary>
internal sealed class EnableCommand : IImapCommand
{
    public Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var args = (EnableArguments)command.Arguments;
        var enabled = new List<string>();
        // Listed even if something enabled it before (RFC 5161 3.2 allows that), so the client knows.
        if (args.Capabilities.Contains("CONDSTORE"))
        {
            session.CondStore = true;
            enabled.Add("CONDSTORE");
        }
        if (args.Capabilities.Contains("QRESYNC"))
        {
            session.CondStore = true; // QRESYNC implies CONDSTORE (RFC 7162 3.2.3)
            session.QResync = true;
            enabled.Add("QRESYNC");
        }
        if (args.Capabilities.Contains("IMAP4REV2"))
        {
            session.Rev2 = true;
            if (session.Selected is { } selected)
            {
                selected.Rev2 = true;
            }
            enabled.Add("IMAP4rev2");
        }
        session.WriteLine(enabled.Count == 0 ? "* ENABLED" : "* ENABLED " + string.Join(' ', enabled));
        return Task.FromResult(ImapResult.Ok("ENABLE completed"));
    }
}
