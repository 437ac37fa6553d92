using Serverless.Mail.Index;
using Serverless.Mail.Model;

namespace Serverless.Mail.Migration;

/// <summary>
/// Where a source folder lands: a special-use folder (RFC 6154 attribute, or failing that a name
/// other servers commonly give it, at the top or right under INBOX as Courier does) becomes ours —
/// Sent, Drafts, Trash, Junk, Archive —, every other folder keeps its path with "/" between levels.
/// Virtual folders (\All, \Flagged: Gmail's "All Mail", "Starred") hold copies of other folders'
/// mail and are not imported.
/// </summary>
public static class FolderMapping
{
    private static readonly Dictionary<string, string> CommonNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Sent"] = "Sent", ["Sent Items"] = "Sent", ["Sent Messages"] = "Sent", ["Sent Mail"] = "Sent", ["Gesendet"] = "Sent",
        ["Drafts"] = "Drafts", ["Draft"] = "Drafts", ["Entwürfe"] = "Drafts",
        ["Trash"] = "Trash", ["Deleted Items"] = "Trash", ["Deleted Messages"] = "Trash", ["Bin"] = "Trash", ["Papierkorb"] = "Trash",
        ["Junk"] = "Junk", ["Spam"] = "Junk", ["Junk E-mail"] = "Junk", ["Junk Email"] = "Junk", ["Bulk Mail"] = "Junk",
        ["Archive"] = "Archive", ["Archives"] = "Archive",
    };

    private static readonly Dictionary<string, string> ByUse = new(StringComparer.OrdinalIgnoreCase)
    {
        [SpecialUse.Sent] = "Sent", [SpecialUse.Drafts] = "Drafts", [SpecialUse.Trash] = "Trash",
        [SpecialUse.Junk] = "Junk", [SpecialUse.Archive] = "Archive",
    };

    /// <summary>True for folders that only show mail kept elsewhere (not imported).</summary>
    public static bool IsVirtual(IEnumerable<string> specialUses) =>
        specialUses.Any(u => u.Equals(SpecialUse.All, StringComparison.OrdinalIgnoreCase) || u.Equals(SpecialUse.Flagged, StringComparison.OrdinalIgnoreCase));

    /// <summary>Our folder for a source folder (<paramref name="path"/> with "/" between levels).</summary>
    public static string Target(string path, IEnumerable<string> specialUses)
    {
        ArgumentNullException.ThrowIfNull(path);
        foreach (var use in specialUses)
        {
            if (ByUse.TryGetValue(use, out var ours))
            {
                return ours;
            }
        }
        var name = FolderNames.Normalize(path);
        var underInbox = name.StartsWith(FolderNames.Inbox + FolderNames.Delimiter, StringComparison.Ordinal) ? name[(FolderNames.Inbox.Length + 1)..] : null;
        foreach (var candidate in new[] { name, underInbox })
        {
            if (candidate is not null && !candidate.Contains(FolderNames.Delimiter) && CommonNames.TryGetValue(candidate, out var common))
            {
                return common;
            }
        }
        return name;
    }
}
