using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Serverless.Protocols.Imap;

/// <summary>
/// OBJECTID (RFC 8474) identifiers, derived from what the index already keeps, so nothing is stored
/// for them.
/// <code>
/// objectid = 1*255(ALPHA / DIGIT / "_" / "-")
/// </code>
/// A MAILBOXID is the folder's UIDVALIDITY and folder id: both stay with the folder through RENAME
/// and neither is used again in the account. An EMAILID is a hash of the account and the message's
/// blob name: COPY and MOVE keep the blob, so the copy keeps the id, and the blob name never leaves
/// the server.
/// </summary>
public static class ImapObjectIds
{
    public static string MailboxId(long uidValidity, int folderId) =>
        string.Create(CultureInfo.InvariantCulture, $"F{uidValidity}-{folderId}");

    public static string EmailId(string account, string blobName)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(blobName);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(account + "\n" + blobName));
        return "M" + Convert.ToHexStringLower(hash.AsSpan(0, 12));
    }
}
