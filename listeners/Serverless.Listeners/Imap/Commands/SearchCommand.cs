using System.Text;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>RFC 3501 6.4.4 SEARCH / UID SEARCH, with CHARSET UTF-8 and RFC 7162 MODSEQ.</summary>
internal sealed class SearchCommand : IImapCommand
{
    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var args = (SearchArguments)command.Arguments;
        if (args.Charset is { } charset && !charset.Equals("UTF-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("US-ASCII", StringComparison.OrdinalIgnoreCase))
        {
            return ImapResult.No("Unsupported charset", "BADCHARSET (UTF-8 US-ASCII)");
        }
        var modSeq = SearchEvaluator.Needs(args.Key, k => k is SearchModSeq);
        if (modSeq)
        {
            session.CondStore = true;
        }
        var selected = session.Selected!;
        var matches = await new SearchEvaluator(session, selected).EvaluateAsync(args.Key, cancellationToken);
        var line = new StringBuilder("* SEARCH");
        foreach (var index in matches)
        {
            line.Append(' ').Append(command.Uid ? selected.View.Uid(index) : index + 1);
        }
        if (modSeq && matches.Count > 0)
        {
            line.Append(" (MODSEQ ").Append(matches.Max(selected.ModSeqAt)).Append(')');
        }
        session.WriteLine(line.ToString());
        return ImapResult.Ok(command.Key + " completed");
    }
}
