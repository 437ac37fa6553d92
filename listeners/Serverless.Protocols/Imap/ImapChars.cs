namespace Serverless.Protocols.Imap;

/// <summary>
/// Character classes of RFC 3501 section 9:
/// <code>
/// ATOM-CHAR       = &lt;any CHAR except atom-specials&gt;
/// atom-specials   = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials
/// list-wildcards  = "%" / "*"
/// quoted-specials = DQUOTE / "\"
/// resp-specials   = "]"
/// ASTRING-CHAR    = ATOM-CHAR / resp-specials
/// tag             = 1*&lt;any ASTRING-CHAR except "+"&gt;
/// list-char       = ATOM-CHAR / list-wildcards / resp-specials
/// </code>
/// </summary>
public static class ImapChars
{
    public static bool IsAtomChar(byte c) =>
        c is > 0x20 and < 0x7f && c is not ((byte)'(' or (byte)')' or (byte)'{' or (byte)'%' or (byte)'*' or (byte)'"' or (byte)'\\' or (byte)']');

    public static bool IsAstringChar(byte c) => IsAtomChar(c) || c == (byte)']';

    public static bool IsTagChar(byte c) => IsAstringChar(c) && c != (byte)'+';

    public static bool IsListChar(byte c) => IsAtomChar(c) || c is (byte)'%' or (byte)'*' or (byte)']';

    /// <summary>True if <paramref name="s"/> can be sent as an atom (not empty, only ATOM-CHARs).</summary>
    public static bool IsAtom(string s)
    {
        if (s.Length == 0)
        {
            return false;
        }
        foreach (var ch in s)
        {
            if (ch > 0x7f || !IsAtomChar((byte)ch))
            {
                return false;
            }
        }
        return true;
    }
}
