using System.Globalization;
using Serverless.Protocols.Pop3;

namespace Serverless.Listeners.Pop3.Commands;

/// <summary>RFC 1939 UIDL [msg]: "number unique-id", stable across sessions (UIDVALIDITY + UID).</summary>
internal sealed class UidlCommand : IPop3Command
{
    public ValueTask<Pop3Reply> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        var maildrop = session.Maildrop!;
        if (command.Message is int number)
        {
            return ValueTask.FromResult(maildrop.Find(number, out var message) switch
            {
                Pop3MessageLookup.Found => Pop3Reply.Ok(string.Create(CultureInfo.InvariantCulture, $"{number} {maildrop.UniqueId(message)}")),
                var missing => Pop3Messages.NotAvailable(number, missing),
            });
        }
        var lines = maildrop.Listing().Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Number} {maildrop.UniqueId(e.Message)}")).ToList();
        return ValueTask.FromResult(Pop3Reply.MultiLine("Unique-id listing follows", lines));
    }
}
