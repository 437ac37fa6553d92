namespace Serverless.Listeners.Imap;

internal enum ImapStatus
{
    Ok,
    No,
    Bad,

    /// <summary>The command already wrote its tagged response (STARTTLS answers before the handshake).</summary>
    Sent,
}

/// <summary>How a command ends: the tagged OK / NO / BAD with an optional response code (RFC 5530).</summary>
internal sealed record ImapResult(ImapStatus Status, string? Code, string Text)
{
    public static ImapResult Ok(string text, string? code = null) => new(ImapStatus.Ok, code, text);

    public static ImapResult No(string text, string? code = null) => new(ImapStatus.No, code, text);

    public static ImapResult Bad(string text, string? code = null) => new(ImapStatus.Bad, code, text);

    public static ImapResult Sent { get; } = new(ImapStatus.Sent, null, "");
}

/// <summary>A command error raised deep in a handler: answered with its result, the session goes on.</summary>
internal sealed class ImapCommandException : Exception
{
    public ImapCommandException(ImapResult result)
        : base(result?.Text)
    {
        Result = result!;
    }

    public ImapCommandException()
        : this(ImapResult.No("Command failed"))
    {
    }

    public ImapCommandException(string message)
        : this(ImapResult.No(message))
    {
    }

    public ImapCommandException(string message, Exception innerException)
        : base(message, innerException)
    {
        Result = ImapResult.No(message);
    }

    public ImapResult Result { get; }
}

/// <summary>The response stream cannot be continued correctly (e.g. a literal cannot be completed): the connection ends.</summary>
internal sealed class ImapFatalException : Exception
{
    public ImapFatalException()
        : base("Fatal IMAP session error.")
    {
    }

    public ImapFatalException(string message)
        : base(message)
    {
    }

    public ImapFatalException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
