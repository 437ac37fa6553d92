using System.Text;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 5256 SORT / UID SORT with RFC 5957 DISPLAYFROM / DISPLAYTO and RFC 5267 ESORT (RETURN
/// options, PARTIAL, UPDATE): SEARCH's criteria (through
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
        var fields = await ReadFieldsAsync(session, selected, matches, args.Criteria, cancellationToken);
        fields.Sort(ImapSortOrder.For(args.Criteria));
        var numbers = fields.Select(f => command.Uid ? selected.View.Uid(f.Number - 1) : f.Number).ToList();
        if (args.Return is { } options)
        {
            selected.Saved.SaveIfAsked(options, [.. fields.Select(f => selected.View.Uid(f.Number - 1))]); // RFC 5182 via ESORT's RETURN
            if (options is ["SAVE"])
            {
                return ImapResult.Ok(command.Key + " completed");
            }
            // RFC 5267 ESORT: the result in sort order as an ESEARCH response.
            session.WriteLine(ImapEsearchResponse.Format(command.Tag, command.Uid, options, numbers, null, args.Partial));
            if (options.Contains("UPDATE"))
            {
                var context = new SearchContext(command.Tag, command.Uid, args.Key, args.Criteria);
                foreach (var f in fields)
                {
                    var uid = selected.View.Uid(f.Number - 1);
                    context.Results.Add(uid);
                    context.Fields[uid] = f;
                }
                SearchCommand.KeepContext(session, selected, context, options);
            }
            return ImapResult.Ok(command.Key + " completed");
        }
        var line = new StringBuilder("* SORT");
        foreach (var n in numbers)
        {
            line.Append(' ').Append(n);
        }
        session.WriteLine(line.ToString());
        return ImapResult.Ok(command.Key + " completed");
    }

    /// <summary>What the sort compares of each message at <paramref name="indices"/> (ascending); expunged ones are left out.</summary>
    public static async Task<List<SortFields>> ReadFieldsAsync(ImapSession session, SelectedFolder selected, IReadOnlyList<int> indices, IReadOnlyList<SortCriterion> criteria, CancellationToken cancellationToken)
    {
        var needSummary = criteria.Any(c => c.Key is not ("ARRIVAL" or "SIZE"));
        var fields = new List<SortFields>(indices.Count);
        await foreach (var (index, row) in new MessageRows(session, selected, needSummary).ReadAsync(indices, cancellationToken))
        {
            if (row is not null)
            {
                fields.Add(SortingFields.ForSort(index + 1, row));
            }
        }
        return fields;
    }
}

/// <summary>The charsets SEARCH, SORT and THREAD take (RFC 5256: others get NO [BADCHARSET]).</summary>
internal static class Charsets
{
    public const string BadCharset = "BADCHARSET (UTF-8 US-ASCII)";

    public static bool Supported(string charset) =>
        charset.Equals("UTF-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("US-ASCII", StringComparison.OrdinalIgnoreCase);
}
