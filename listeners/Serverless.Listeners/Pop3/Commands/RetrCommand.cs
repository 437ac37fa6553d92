using System.Globalization;
using Serverless.Protocols.Pop3;

namespace Serverless.Listeners.Pop3.Commands;

/// <summary>RFC 1939 RETR msg: the whole message, streamed from its blob and byte-stuffed by the session.</summary>
internal sealed class RetrCommand : IPop3Command
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
        session.Maildrop.MarkRetrieved(number);
        session.ReadAheadAfter(number); // overlaps with sending this one
        return Pop3Reply.Message(string.Create(CultureInfo.InvariantCulture, $"{message.Size} octets"), new Pop3MessageBody(content, topLines: null));
    }
}
