namespace Serverless.Protocols.Imap;

/// <summary>A command that does not follow the grammar; the session answers it with a tagged BAD.</summary>
public class ImapParseException : Exception
{
    public ImapParseException(string message)
        : base(message)
    {
    }

    public ImapParseException()
        : base("Syntax error")
    {
    }

    public ImapParseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A mailbox name or LIST pattern that is not valid modified UTF-7 (RFC 3501 5.1.3): the command is
/// well formed, the name is not one the server can have, so the session answers NO, not BAD.
/// </summary>
public sealed class ImapMailboxNameException : ImapParseException
{
    public ImapMailboxNameException(string message)
        : base(message)
    {
    }

    public ImapMailboxNameException()
        : base("Invalid mailbox name")
    {
    }

    public ImapMailboxNameException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
