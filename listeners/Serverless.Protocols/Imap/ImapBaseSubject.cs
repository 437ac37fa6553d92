using System.Text;

namespace Serverless.Protocols.Imap;

/// <summary>
/// The "base subject" of RFC 5256 2.1, which SORT SUBJECT and both THREAD algorithms compare.
/// <code>
/// subj-trailer  = "(fwd)" / WSP
/// subj-fwd-hdr  = "[fwd:"
/// subj-fwd-trl  = "]"
/// subj-leader   = (*subj-blob subj-refwd) / WSP
/// subj-blob     = "[" *BLOBCHAR "]" *WSP
/// subj-refwd    = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
/// BLOBCHAR      = %x01-5a / %x5c / %x5e-7f      ; any CHAR except "[" and "]"
/// </code>
/// Steps: (1) decode encoded-words, whitespace runs to one space; (2) strip trailers; (3) strip
/// leaders; (4) strip a leading blob if something remains; (5) repeat 3-4; (6) unwrap
/// "[fwd: ... ]" and repeat from 2. Matching is case-insensitive; the result is upper-cased
/// (a case-insensitive comparison key, i;unicode-casemap-like).
/// </summary>
public static class ImapBaseSubject
{
    /// <summary>The base subject as a comparison key, and whether a reply/forward marker was removed (RFC 5256 2.1, THREAD=REFERENCES step 5).</summary>
    public static (string Key, bool IsReplyOrForward) Extract(string? rawSubject)
    {
        var s = Collapse(ImapEncodedWords.Decode(rawSubject));
        var marked = false;
        while (true)
        {
            // (2) trailers
            while (true)
            {
                if (s.EndsWith(' '))
                {
                    s = s[..^1];
                }
                else if (s.EndsWith("(fwd)", StringComparison.OrdinalIgnoreCase))
                {
                    s = s[..^5];
                    marked = true;
                }
                else
                {
                    break;
                }
            }
            // (3)-(5) leaders and blobs
            while (true)
            {
                var changed = false;
                while (Leader(s) is var n and > 0)
                {
                    marked |= s[0] != ' ';
                    s = s[n..];
                    changed = true;
                }
                var blob = Blob(s, 0);
                if (blob > 0 && blob < s.Length)
                {
                    s = s[blob..];
                    changed = true;
                }
                if (!changed)
                {
                    break;
                }
            }
            // (6) [fwd: ... ]
            if (s.Length >= 6 && s.StartsWith("[fwd:", StringComparison.OrdinalIgnoreCase) && s.EndsWith(']'))
            {
                s = s[5..^1];
                marked = true;
                continue;
            }
            return (s.ToUpperInvariant(), marked);
        }
    }

    /// <summary>Tabs and line breaks to spaces, runs of spaces to one.</summary>
    private static string Collapse(string s)
    {
        var sb = new StringBuilder(s.Length);
        var space = false;
        foreach (var c in s)
        {
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                if (!space)
                {
                    sb.Append(' ');
                }
                space = true;
            }
            else
            {
                sb.Append(c);
                space = false;
            }
        }
        return sb.ToString();
    }

    /// <summary>Length of a subj-leader at the start, or 0.</summary>
    private static int Leader(string s)
    {
        if (s.Length == 0)
        {
            return 0;
        }
        if (s[0] == ' ')
        {
            return 1;
        }
        // *subj-blob subj-refwd: try blobs before the re/fwd.
        var pos = 0;
        while (true)
        {
            var refwd = Refwd(s, pos);
            if (refwd > 0)
            {
                return refwd;
            }
            var blob = Blob(s, pos);
            if (blob == 0)
            {
                return 0;
            }
            pos = blob;
        }
    }

    /// <summary>End of a subj-refwd starting at <paramref name="pos"/>, or 0.</summary>
    private static int Refwd(string s, int pos)
    {
        int p;
        if (At(s, pos, "re"))
        {
            p = pos + 2;
        }
        else if (At(s, pos, "fwd"))
        {
            p = pos + 3;
        }
        else if (At(s, pos, "fw"))
        {
            p = pos + 2;
        }
        else
        {
            return 0;
        }
        while (p < s.Length && s[p] == ' ')
        {
            p++;
        }
        var blob = Blob(s, p);
        if (blob > 0)
        {
            p = blob;
        }
        return p < s.Length && s[p] == ':' ? p + 1 : 0;
    }

    /// <summary>End of a subj-blob starting at <paramref name="pos"/> (with its trailing spaces), or 0.</summary>
    private static int Blob(string s, int pos)
    {
        if (pos >= s.Length || s[pos] != '[')
        {
            return 0;
        }
        var p = pos + 1;
        while (p < s.Length && s[p] is not ('[' or ']'))
        {
            p++;
        }
        if (p >= s.Length || s[p] != ']')
        {
            return 0;
        }
        p++;
        while (p < s.Length && s[p] == ' ')
        {
            p++;
        }
        return p;
    }

    private static bool At(string s, int pos, string word) =>
        string.Compare(s, pos, word, 0, word.Length, StringComparison.OrdinalIgnoreCase) == 0 && pos + word.Length <= s.Length;
}
