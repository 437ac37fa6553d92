using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>RFC 5161 ENABLE: CONDSTORE and QRESYNC are the extensions that need enabling here.</summary>
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
        session.WriteLine(enabled.Count == 0 ? "* ENABLED" : "* ENABLED " + string.Join(' ', enabled));
        return Task.FromResult(ImapResult.Ok("ENABLE completed"));
    }
}
