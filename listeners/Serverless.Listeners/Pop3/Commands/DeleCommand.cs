using System.Globalization;
using Serverless.Protocols.Pop3;

namespace Serverless.Listeners.Pop3.Commands;

/// <summary>RFC 1939 DELE msg: marks the message; it is expunged only by QUIT (the UPDATE state).</summary>
internal sealed class DeleCommand : IPop3Command
{
    public ValueTask<Pop3Reply> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        var number = command.Message!.Value;
        var lookup = session.Maildrop!.Find(number, out _);
        if (lookup != Pop3MessageLookup.Found)
        {
            return ValueTask.FromResult(Pop3Messages.NotAvailable(number, lookup));
        }
        session.Maildrop.MarkDeleted(number);
        session.ForgetReadAhead(number);
        return ValueTask.FromResult(Pop3Reply.Ok(string.Create(CultureInfo.InvariantCulture, $"Message {number} deleted")));
    }
}
