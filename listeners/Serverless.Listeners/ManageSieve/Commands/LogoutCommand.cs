using Serverless.Protocols.ManageSieve;

namespace Serverless.Listeners.ManageSieve.Commands;

/// <summary>RFC 5804 2.3 LOGOUT: OK, then the server closes the connection.</summary>
internal sealed class LogoutCommand : IManageSieveCommand
{
    public ValueTask<ManageSieveReply> ExecuteAsync(ManageSieveSession session, ManageSieveCommand command, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ManageSieveReply.Ok("Logout completed").Then(ManageSieveAfterReply.Close));
}
