using Serverless.Protocols.ManageSieve;

namespace Serverless.Listeners.ManageSieve;

/// <summary>One ManageSieve command. Commands keep no state of their own: the session carries it.</summary>
internal interface IManageSieveCommand
{
    ValueTask<ManageSieveReply> ExecuteAsync(ManageSieveSession session, ManageSieveCommand command, CancellationToken cancellationToken);
}
