namespace Serverless.Mail.Sieve;

/// <summary>
/// The Sieve extensions this service announces (ManageSieve CAPABILITY "SIEVE", RFC 5804 1.7): the
/// ones the interpreter knows. The compiler's <c>require</c> check and the ManageSieve listener's
/// CAPABILITY both read this one list.
/// </summary>
public static class SieveCapabilities
{
    /// <summary>Extension names as used in <c>require</c>, space-separated in the SIEVE capability.</summary>
    public static readonly IReadOnlyList<string> Extensions =
    [
        "fileinto",
        "reject",
        "ereject",
        "envelope",
        "encoded-character",
        "comparator-i;octet",
        "comparator-i;ascii-casemap",
        "comparator-i;ascii-numeric",
        "imap4flags",
        "variables",
        "body",
        "date",
        "relational",
        "copy",
        "vacation",
        "mailbox",
    ];

    /// <summary>The most redirects one script may make for one message (ManageSieve MAXREDIRECTS).</summary>
    public const int MaxRedirects = 4;
}
