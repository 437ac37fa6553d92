using System.Globalization;
using System.Text;
using Serverless.Mail.Model;

namespace Serverless.Mail.Migration.Files;

/// <summary>
/// Maildir names as Dovecot and Courier write them (Maildir++): INBOX is the root's <c>cur</c>/<c>new</c>,
/// other folders are directories <c>.Name</c> with "." between levels (<c>.Archive.2024</c> is
/// Archive/2024); a message file's info suffix <c>:2,</c> lists its flags in ASCII order —
/// D draft, F flagged, P passed ($Forwarded), R replied (\Answered), S seen, T trashed (\Deleted) —
/// and lowercase letters for keywords, numbered by the folder's <c>dovecot-keywords</c> file
/// (line "0 name" is "a"). Pure: no I/O.
/// </summary>
public static class MaildirNames
{
    public const string KeywordsFile = "dovecot-keywords";

    private static readonly (char Letter, string Flag)[] Letters =
    [
        ('D', "\\Draft"), ('F', "\\Flagged"), ('P', "$Forwarded"), ('R', "\\Answered"), ('S', "\\Seen"), ('T', "\\Deleted"),
    ];

    /// <summary>
    /// Where a zip entry sits: the folder (ours, "/" between levels) and whether it is a message
    /// (a file right under <c>cur</c> or <c>new</c>) or the folder's keywords file. A wrapping
    /// directory (<c>Maildir/cur/…</c>) is allowed. Null for anything else (tmp, indexes, directories).
    /// </summary>
    public static (string Folder, bool IsKeywords)? Classify(string entryPath)
    {
        ArgumentNullException.ThrowIfNull(entryPath);
        var parts = entryPath.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || entryPath.EndsWith('/'))
        {
            return null;
        }
        if (parts[^1] == KeywordsFile)
        {
            return (FolderOf(parts[..^1]), true);
        }
        if (parts.Length >= 2 && parts[^2] is "cur" or "new" && !parts[^1].StartsWith('.'))
        {
            return (FolderOf(parts[..^2]), false);
        }
        return null;
    }

    private static string FolderOf(string[] directories) =>
        directories.Length > 0 && directories[^1].Length > 1 && directories[^1][0] == '.'
            ? FolderNames.Normalize(directories[^1][1..].Replace('.', FolderNames.Delimiter))
            : FolderNames.Inbox;

    /// <summary>The Maildir++ directory of one of our folders: "" for INBOX, ".A.B" for A/B.</summary>
    public static string DirectoryOf(string folder) =>
        folder == FolderNames.Inbox ? "" : "." + folder.Replace(FolderNames.Delimiter, '.');

    /// <summary>Flags and keywords of a message file name; <paramref name="keywords"/> is the folder's keywords file (index → name).</summary>
    public static List<string> ParseFlags(string fileName, IReadOnlyDictionary<int, string> keywords)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var flags = new List<string>();
        var info = fileName.LastIndexOf(":2,", StringComparison.Ordinal);
        if (info < 0)
        {
            info = fileName.LastIndexOf("!2,", StringComparison.Ordinal); // the info separator where ':' is not allowed in names
        }
        if (info < 0)
        {
            return flags;
        }
        foreach (var c in fileName[(info + 3)..])
        {
            if (Array.FindIndex(Letters, l => l.Letter == c) is var i and >= 0)
            {
                flags.Add(Letters[i].Flag);
            }
            else if (c is >= 'a' and <= 'z' && keywords.TryGetValue(c - 'a', out var keyword))
            {
                flags.Add(keyword);
            }
        }
        return flags;
    }

    /// <summary>The <c>:2,</c> suffix for <paramref name="flags"/>; keywords get letters from <paramref name="keywordIndex"/> (added to it as met, at most 26).</summary>
    public static string FormatInfo(IEnumerable<string> flags, List<string> keywordIndex)
    {
        ArgumentNullException.ThrowIfNull(keywordIndex);
        var letters = new SortedSet<char>();
        foreach (var flag in flags)
        {
            if (Array.FindIndex(Letters, l => string.Equals(l.Flag, flag, StringComparison.OrdinalIgnoreCase)) is var i and >= 0)
            {
                letters.Add(Letters[i].Letter);
            }
            else if (!flag.StartsWith('\\'))
            {
                var k = keywordIndex.FindIndex(x => string.Equals(x, flag, StringComparison.Ordinal));
                if (k < 0 && keywordIndex.Count < 26)
                {
                    keywordIndex.Add(flag);
                    k = keywordIndex.Count - 1;
                }
                if (k >= 0)
                {
                    letters.Add((char)('a' + k));
                }
            }
        }
        return ":2," + new string([.. letters]);
    }

    /// <summary>A <c>dovecot-keywords</c> file: lines "index name".</summary>
    public static Dictionary<int, string> ParseKeywordsFile(string text)
    {
        var map = new Dictionary<int, string>();
        foreach (var line in (text ?? "").Split('\n'))
        {
            var parts = line.TrimEnd('\r').Split(' ', 2);
            if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < 26 && parts[1].Length > 0)
            {
                map[i] = parts[1];
            }
        }
        return map;
    }

    public static string FormatKeywordsFile(IReadOnlyList<string> keywordIndex) =>
        string.Concat(keywordIndex.Select((k, i) => string.Create(CultureInfo.InvariantCulture, $"{i} {k}\n")));

    /// <summary>The INTERNALDATE a Maildir name carries: the Unix time before the first "." (how deliverers name files), or null.</summary>
    public static DateTimeOffset? DateOf(string fileName)
    {
        var dot = fileName.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && long.TryParse(fileName.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            && seconds is > 0 and < 253402300800
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
    }

    /// <summary>A unique Maildir file name for an exported message: time, a unique part, size and flags.</summary>
    public static string FileName(DateTimeOffset internalDate, string unique, long size, string info) =>
        string.Create(CultureInfo.InvariantCulture, $"{internalDate.ToUnixTimeSeconds()}.{unique}.serverless,S={size}{info}");

    internal static Encoding Utf8 { get; } = new UTF8Encoding(false);
}
