namespace Serverless.Protocols.Imap;

/// <summary>RFC 3501 system flags (2.3.2). Keywords are atoms compared without regard to case.</summary>
public static class ImapFlags
{
    public const string Answered = "\\Answered";
    public const string Flagged = "\\Flagged";
    public const string Deleted = "\\Deleted";
    public const string Seen = "\\Seen";
    public const string Draft = "\\Draft";
    public const string Recent = "\\Recent";

    /// <summary>The flags a client may store, as announced in FLAGS and PERMANENTFLAGS.</summary>
    public static readonly IReadOnlyList<string> Storable = [Answered, Flagged, Deleted, Seen, Draft];

    /// <summary>The canonical spelling of a system flag, or null if it is not one.</summary>
    public static string? Canonical(string flag)
    {
        ArgumentNullException.ThrowIfNull(flag);
        foreach (var f in Storable)
        {
            if (string.Equals(f, flag, StringComparison.OrdinalIgnoreCase))
            {
                return f;
            }
        }
        return string.Equals(Recent, flag, StringComparison.OrdinalIgnoreCase) ? Recent : null;
    }

    public static bool Contains(IEnumerable<string> flags, string flag) =>
        flags.Any(f => string.Equals(f, flag, StringComparison.OrdinalIgnoreCase));
}
