using Serverless.Protocols.Pop3;

namespace Serverless.Listeners.Pop3.Commands;

/// <summary>
/// RFC 2449 CAPA: what this server offers now. USER and SASL PLAIN only while a login would be
/// accepted (TLS, or the loopback development setting), STLS only before TLS on the STLS port.
/// </summary>
internal sealed class CapaCommand : IPop3Command
{
    public ValueTask<Pop3Reply> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        var lines = new List<string> { "TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING" };
        if (session.State == Pop3SessionState.Authorization)
        {
            if (session.PlaintextAuthAllowed)
            {
                lines.Add("USER");
                lines.Add("SASL PLAIN");
            }
            if (session.StlsAvailable)
            {
                lines.Add("STLS");
            }
        }
        lines.Add("IMPLEMENTATION Serverless-Mail");
        return ValueTask.FromResult(Pop3Reply.MultiLine("Capability list follows", lines));
    }
}
