using Serverless.Protocols.Pop3;

namespace Serverless.Listeners.Pop3.Commands;

/// <summary>
/// RFC 2595 STLS: "+OK", then the TLS handshake. Anything the client pipelined after STLS is
/// discarded before the handshake (MailTransport.UpgradeToTlsAsync), so it cannot be injected.
/// </summary>
internal sealed class StlsCommand : IPop3Command
{
    public ValueTask<Pop3Reply> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        if (session.Transport.IsTls)
        {
            return ValueTask.FromResult(Pop3Reply.Error("TLS is already active"));
        }
        if (!session.StlsAvailable)
        {
            return ValueTask.FromResult(Pop3Reply.Error("STLS is not available on this port"));
        }
        return ValueTask.FromResult(Pop3Reply.Ok("Begin TLS negotiation").Then(Pop3AfterReply.StartTls));
    }
}
