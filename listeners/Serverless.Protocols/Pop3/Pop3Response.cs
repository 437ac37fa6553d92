namespace Serverless.Protocols.Pop3;

/// <summary>
/// Extended response codes (RFC 2449 section 8, RFC 3206), sent in brackets after <c>-ERR</c>
/// so clients can tell a wrong password from a busy maildrop or a storage outage.
/// </summary>
public static class Pop3ResponseCodes
{
    /// <summary>The maildrop is locked by another session (RFC 2449 8.1.2).</summary>
    public const string InUse = "IN-USE";

    /// <summary>Logins are too frequent (RFC 2449 8.1.1).</summary>
    public const string LoginDelay = "LOGIN-DELAY";

    /// <summary>A temporary failure on the server side: try again later (RFC 3206 4).</summary>
    public const string SysTemp = "SYS/TEMP";

    /// <summary>A permanent server-side problem the user cannot fix (RFC 3206 4).</summary>
    public const string SysPerm = "SYS/PERM";

    /// <summary>The credentials were not accepted (RFC 3206 5).</summary>
    public const string Auth = "AUTH";
}

/// <summary>A status line: <c>+OK text</c> or <c>-ERR [CODE] text</c>.</summary>
public readonly record struct Pop3Response(bool Ok, string Text, string? Code = null)
{
    public static Pop3Response Success(string text) => new(true, text);

    public static Pop3Response Error(string text, string? code = null) => new(false, text, code);
}
