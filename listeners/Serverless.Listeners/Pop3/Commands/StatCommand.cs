using System.Globalization;
using Serverless.Protocols.Pop3;

namespace Serverless.Listeners.Pop3.Commands;

/// <summary>RFC 1939 STAT: "+OK count octets" of the messages not marked deleted.</summary>
internal sealed class StatCommand : IPop3Command
{
    public ValueTask<Pop3Reply> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        var maildrop = session.Maildrop!;
        return ValueTask.FromResult(Pop3Reply.Ok(string.Create(CultureInfo.InvariantCulture, $"{maildrop.Count} {maildrop.Octets}")));
    }
}
