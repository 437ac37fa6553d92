using Serverless.Protocols.ManageSieve;

namespace Serverless.Listeners.ManageSieve.Commands;

/// <summary>RFC 5804 2.8 SETACTIVE name: that script runs at delivery from now on; "" deactivates.</summary>
internal sealed class SetActiveCommand : IManageSieveCommand
{
    public async ValueTask<ManageSieveReply> ExecuteAsync(ManageSieveSession session, ManageSieveCommand command, CancellationToken cancellationToken)
    {
        var name = ScriptArguments.Strings(command, 1)[0];
        var mailbox = ScriptArguments.MailboxId(session);
        var change = await session.Services.Scripts.SetActiveAsync(mailbox, name, cancellationToken);
        session.Services.ActiveScripts.Forget(mailbox);
        return ScriptArguments.Answer(change, name, session.Services.Scripts.Options);
    }
}
