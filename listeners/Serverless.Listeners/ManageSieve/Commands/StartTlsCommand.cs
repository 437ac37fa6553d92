using Serverless.Protocols.ManageSieve;

namespace Serverless.Listeners.ManageSieve.Commands;

/// <summary>
/// RFC 5804 2.2 STARTTLS: OK, the handshake, then the capabilities again. Anything the client
/// pipelined after STARTTLS is discarded before the handshake (MailTransport.UpgradeToTlsAsync).
/// </summary>
internal sealed class StartTlsCommand : IManageSieveCommand
{
    public ValueTask<ManageSieveReply> ExecuteAsync(ManageSieveSession session, ManageSieveCommand command, CancellationToken cancellationToken)
    {
        if (session.Transport.IsTls)
        {
            return ValueTask.FromResult(ManageSieveReply.No("TLS is already active"));
        }
        if (!session.StartTlsAvailable)
        {
            return ValueTask.FromResult(ManageSieveReply.No("STARTTLS is not available on this port"));
        }
        return ValueTask.FromResult(ManageSieveReply.Ok("Begin TLS negotiation").Then(ManageSieveAfterReply.StartTls));
    }
}
