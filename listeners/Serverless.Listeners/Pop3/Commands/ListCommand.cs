using System.Globalization;
using Serverless.Protocols.Pop3;

namespace Serverless.Listeners.Pop3.Commands;

/// <summary>
/// RFC 1939 LIST [msg]: scan listings "number size". The size is the message blob's length,
/// exactly the octets RETR sends before byte-stuffing.
/// </summary>
internal sealed class ListCommand : IPop3Command
{
    public ValueTask<Pop3Reply> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        var maildrop = session.Maildrop!;
        if (command.Message is int number)
        {
            return ValueTask.FromResult(maildrop.Find(number, out var message) switch
            {
                Pop3MessageLookup.Found => Pop3Reply.Ok(string.Create(CultureInfo.InvariantCulture, $"{number} {message.Size}")),
                var missing => Pop3Messages.NotAvailable(number, missing),
            });
        }
        var lines = maildrop.Listing().Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Number} {e.Message.Size}")).ToList();
        return ValueTask.FromResult(Pop3Reply.MultiLine(string.Create(CultureInfo.InvariantCulture, $"{maildrop.Count} messages ({maildrop.Octets} octets)"), lines));
    }
}
