using Serverless.Mail.Model;

namespace Serverless.Protocols.Imap;

/// <summary>
/// LIST patterns (RFC 3501 6.3.8): the reference and pattern are joined, "*" matches anything,
/// "%" anything except the hierarchy delimiter. INBOX matches case-insensitively.
/// </summary>
public sealed class ImapListPattern
{
    private readonly string _pattern;

    public ImapListPattern(string reference, string pattern)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(pattern);
        // A pattern starting with the delimiter is absolute; otherwise it continues the reference.
        var full = pattern.StartsWith(ImapMailboxName.Delimiter) || reference.Length == 0 ? pattern
            : reference.EndsWith(ImapMailboxName.Delimiter) ? reference + pattern : reference + ImapMailboxName.Delimiter + pattern;
        _pattern = NormalizeInboxPrefix(full);
    }

    public string Pattern => _pattern;

    public bool Matches(string name) => Match(_pattern, 0, FolderNames.Normalize(name), 0);

    private static string NormalizeInboxPrefix(string pattern)
    {
        if (pattern.Length >= 5 && pattern.StartsWith("INBOX", StringComparison.OrdinalIgnoreCase)
            && (pattern.Length == 5 || pattern[5] == ImapMailboxName.Delimiter))
        {
            return "INBOX" + pattern[5..];
        }
        return pattern;
    }

    /// <summary>Set-of-states matching: O(name × pattern), so no pattern can make it exponential.</summary>
    private static bool Match(string p, int pi, string s, int si)
    {
        var current = new bool[p.Length + 1];
        var next = new bool[p.Length + 1];
        current[pi] = true;
        Close(p, current);
        for (var i = si; i < s.Length; i++)
        {
            Array.Clear(next);
            var any = false;
            var ch = s[i];
            for (var k = 0; k < p.Length; k++)
            {
                if (!current[k])
                {
                    continue;
                }
                var pc = p[k];
                if (pc == '*' || (pc == '%' && ch != ImapMailboxName.Delimiter))
                {
                    next[k] = any = true;
                }
                else if (pc == ch)
                {
                    next[k + 1] = any = true;
                }
            }
            if (!any)
            {
                return false;
            }
            (current, next) = (next, current);
            Close(p, current);
        }
        return current[p.Length];
    }

    /// <summary>Wildcards may match nothing: a state before one also stands after it.</summary>
    private static void Close(string p, bool[] states)
    {
        for (var k = 0; k < p.Length; k++)
        {
            if (states[k] && p[k] is '*' or '%')
            {
                states[k + 1] = true;
            }
        }
    }
}
