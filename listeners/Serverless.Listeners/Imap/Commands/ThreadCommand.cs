using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 5256 THREAD / UID THREAD, REFERENCES or ORDEREDSUBJECT: SEARCH's criteria, then
/// <see cref="ImapThreading"/> over the matches' index rows (summaries in bulk, no blob reads).
/// </summary>
internal sealed class ThreadCommand : IImapCommand
{
    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var args = (ThreadArguments)command.Arguments;
        if (!Charsets.Supported(args.Charset))
        {
            return ImapResult.No("Unsupported charset", Charsets.BadCharset);
        }
        var selected = session.Selected!;
        var matches = await new SearchEvaluator(session, selected).EvaluateAsync(args.Key, cancellationToken);
        var messages = new List<ThreadMessage>(matches.Count);
        await foreach (var (index, row) in new MessageRows(session, selected, needSummary: true).ReadAsync(matches, cancellationToken))
        {
            if (row is not null)
            {
                messages.Add(SortingFields.ForThread(command.Uid ? selected.View.Uid(index) : index + 1, row));
            }
        }
        var roots = args.Algorithm == "REFERENCES" ? ImapThreading.References(messages) : ImapThreading.OrderedSubject(messages);
        var data = ImapThreading.Format(roots);
        session.WriteLine(data.Length == 0 ? "* THREAD" : "* THREAD " + data);
        return ImapResult.Ok(command.Key + " completed");
    }
}
