namespace Serverless.Protocols.Imap;

/// <summary>A command that does not follow the grammar; the session answers it with a tagged BAD.</summary>
public sealed class ImapParseException : Exception
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
