using System.Text;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 5256 SORT / UID SORT with RFC 5957 DISPLAYFROM / DISPLAYTO: SEARCH's criteria (through
/// <see cref="SearchEvaluator"/>), then the matches ordered on their index rows (summaries in
/// bulk through <see cref="MessageRows"/>; only ARRIVAL and SIZE need none).
/// </summary>
internal sealed class SortCommand : IImapCommand
{
    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var args = (SortArguments)command.Arguments;
        if (!Charsets.Supported(args.Charset))
        {
            return ImapResult.No("Unsupported charset", Charsets.BadCharset);
        }
        var selected = session.Selected!;
        var matches = await new SearchEvaluator(session, selected).EvaluateAsync(args.Key, cancellationToken);
        var needSummary = args.Criteria.Any(c => c.Key is not ("ARRIVAL" or "SIZE"));
        var fields = new List<SortFields>(matches.Count);
        await foreach (var (index, row) in new MessageRows(session, selected, needSummary).ReadAsync(matches, cancellationToken))
        {
            if (row is not null)
            {
                fields.Add(SortingFields.ForSort(index + 1, row));
            }
        }
        fields.Sort(ImapSortOrder.For(args.Criteria));
        var line = new StringBuilder("* SORT");
        foreach (var f in fields)
        {
            line.Append(' ').Append(command.Uid ? selected.View.Uid(f.Number - 1) : f.Number);
        }
        session.WriteLine(line.ToString());
        return ImapResult.Ok(command.Key + " completed");
    }
}

/// <summary>The charsets SEARCH, SORT and THREAD take (RFC 5256: others get NO [BADCHARSET]).</summary>
internal static class Charsets
{
    public const string BadCharset = "BADCHARSET (UTF-8 US-ASCII)";

    public static bool Supported(string charset) =>
        charset.Equals("UTF-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("US-ASCII", StringComparison.OrdinalIgnoreCase);
}
