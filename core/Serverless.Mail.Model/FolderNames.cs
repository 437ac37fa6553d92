namespace Serverless.Mail.Model;

/// <summary>
/// The one rule for folder names that storage and IMAP share: "/" separates levels, and INBOX is
/// case-insensitive (RFC 3501 5.1), at the top and as the first level of a path ("inbox/x" is
/// "INBOX/x"). Every other name is kept as given.
/// </summary>
public static class FolderNames
{
    public const string Inbox = "INBOX";

    public const char Delimiter = '/';

    public static string Normalize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Equals(Inbox, StringComparison.OrdinalIgnoreCase))
        {
            return Inbox;
        }
        if (name.Length > Inbox.Length + 1
            && name[Inbox.Length] == Delimiter
            && name.StartsWith(Inbox, StringComparison.OrdinalIgnoreCase))
        {
            return Inbox + name[Inbox.Length..];
        }
        return name;
    }
}
