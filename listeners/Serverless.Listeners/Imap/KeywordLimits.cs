namespace Serverless.Listeners.Imap;

/// <summary>
/// How many keywords (flags that are not system flags) one message may carry, and how long one may
/// be: STORE and APPEND could otherwise grow a message's flag list until its index row's
/// <c>Flags</c> property passes Azure's 64 KiB. Beyond the cap the command is answered
/// <c>NO [LIMIT]</c> (RFC 5530) and nothing changes. Checked here, before the index is asked.
/// </summary>
internal static class KeywordLimits
{
    /// <summary>The refusal when <paramref name="flags"/> break the limits; null when they are fine.</summary>
    public static ImapResult? Check(IEnumerable<string> flags, ImapOptions options)
    {
        var keywords = 0;
        foreach (var flag in flags)
        {
            if (flag.StartsWith('\\'))
            {
                continue;
            }
            if (flag.Length > options.MaxKeywordLength)
            {
                return ImapResult.No($"Keyword too long (at most {options.MaxKeywordLength} characters)", "LIMIT");
            }
            keywords++;
        }
        return keywords > options.MaxKeywordsPerMessage
            ? ImapResult.No($"Too many keywords on one message (at most {options.MaxKeywordsPerMessage})", "LIMIT")
            : null;
    }
}
