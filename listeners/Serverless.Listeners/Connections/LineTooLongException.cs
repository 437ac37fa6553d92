namespace Serverless.Listeners.Connections;

/// <summary>A command line went past its protocol's bound: the session answers and closes.</summary>
public sealed class LineTooLongException : Exception
{
    public LineTooLongException()
        : base("Line too long.")
    {
    }
}
