using System.Globalization;
using Serverless.Protocols.Pop3;

namespace Serverless.Listeners.Pop3.Commands;

/// <summary>RFC 1939 RSET: unmarks every message marked deleted in this session.</summary>
internal sealed class RsetCommand : IPop3Command
{
    public ValueTask<Pop3Reply> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        var maildrop = session.Maildrop!;
        maildrop.Reset();
        return ValueTask.FromResult(Pop3Reply.Ok(string.Create(CultureInfo.InvariantCulture, $"{maildrop.Count} messages ({maildrop.Octets} octets)")));
    }
}
