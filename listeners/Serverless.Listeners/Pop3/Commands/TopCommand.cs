using Serverless.Protocols.Pop3;

namespace Serverless.Listeners.Pop3.Commands;

/// <summary>RFC 1939 TOP msg n: the header, the blank line and the first n body lines.</summary>
internal sealed class TopCommand : IPop3Command
{
    public async ValueTask<Pop3Reply> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        var number = command.Message!.Value;
        var lookup = session.Maildrop!.Find(number, out var message);
        if (lookup != Pop3MessageLookup.Found)
        {
            return Pop3Messages.NotAvailable(number, lookup);
        }
        var content = await Pop3Messages.OpenAsync(session, number, message, cancellationToken);
        if (content is null)
        {
            return Pop3Messages.Vanished(number);
        }
        return Pop3Reply.Message("Top of message follows", new Pop3MessageBody(content, command.Lines));
    }
}
