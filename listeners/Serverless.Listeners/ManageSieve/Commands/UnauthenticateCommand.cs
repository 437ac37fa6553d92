using Serverless.Protocols.ManageSieve;

namespace Serverless.Listeners.ManageSieve.Commands;

/// <summary>RFC 5804 2.14 UNAUTHENTICATE: back to the non-authenticated state; TLS stays.</summary>
internal sealed class UnauthenticateCommand : IManageSieveCommand
{
    public ValueTask<ManageSieveReply> ExecuteAsync(ManageSieveSession session, ManageSieveCommand command, CancellationToken cancellationToken)
    {
        session.Unauthenticate();
        return ValueTask.FromResult(ManageSieveReply.Ok());
    }
}
