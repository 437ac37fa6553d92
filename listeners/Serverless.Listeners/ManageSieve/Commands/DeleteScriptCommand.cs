using Serverless.Protocols.ManageSieve;

namespace Serverless.Listeners.ManageSieve.Commands;

/// <summary>RFC 5804 2.10 DELETESCRIPT name: NO (ACTIVE) for the active script.</summary>
internal sealed class DeleteScriptCommand : IManageSieveCommand
{
    public async ValueTask<ManageSieveReply> ExecuteAsync(ManageSieveSession session, ManageSieveCommand command, CancellationToken cancellationToken)
    {
        var name = ScriptArguments.Strings(command, 1)[0];
        var change = await session.Services.Scripts.DeleteAsync(ScriptArguments.MailboxId(session), name, cancellationToken);
        return ScriptArguments.Answer(change, name, session.Services.Scripts.Options);
    }
}
