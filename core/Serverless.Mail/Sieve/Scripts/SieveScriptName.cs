using System.Text;

namespace Serverless.Mail.Sieve.Scripts;

/// <summary>
/// RFC 5804 1.6 script names: non-empty UTF-8 in Unicode NFC without control characters
/// (U+0000–U+001F, U+007F–U+009F) or line/paragraph separators (U+2028, U+2029). We also cap
/// the length so the name fits a table RowKey comfortably.
/// </summary>
public static class SieveScriptName
{
    public const int MaxLength = 128;

    /// <summary>Null when <paramref name="name"/> is a valid script name, else why not.</summary>
    public static string? Problem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            return "A script name must not be empty";
        }
        if (name.Length > MaxLength)
        {
            return $"A script name may have at most {MaxLength} characters";
        }
        foreach (var c in name)
        {
            if (c <= '\u001F' || c is >= '\u007F' and <= '\u009F' or '\u2028' or '\u2029')
            {
                return "A script name must not contain control characters";
            }
        }
        if (!name.IsNormalized(NormalizationForm.FormC))
        {
            return "A script name must be in Unicode NFC";
        }
        return name.Any(char.IsSurrogate) && !IsWellFormed(name) ? "A script name must be valid UTF-8" : null;
    }

    private static bool IsWellFormed(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(s[i]))
            {
                return false;
            }
        }
        return true;
    }
}
