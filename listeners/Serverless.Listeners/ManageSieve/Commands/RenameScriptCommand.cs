using Serverless.Protocols.ManageSieve;

namespace Serverless.Listeners.ManageSieve.Commands;

/// <summary>RFC 5804 2.11.1 RENAMESCRIPT old new: an active script stays active under the new name.</summary>
internal sealed class RenameScriptCommand : IManageSieveCommand
{
    public async ValueTask<ManageSieveReply> ExecuteAsync(ManageSieveSession session, ManageSieveCommand command, CancellationToken cancellationToken)
    {
        var names = ScriptArguments.Strings(command, 2);
        if (ScriptArguments.BadName(names[1]) is { } bad)
        {
            return bad;
        }
        var mailbox = ScriptArguments.MailboxId(session);
        var change = await session.Services.Scripts.RenameAsync(mailbox, names[0], names[1], cancellationToken);
        session.Services.ActiveScripts.Forget(mailbox);
        return ScriptArguments.Answer(change, change == Mail.Sieve.Scripts.SieveChange.AlreadyExists ? names[1] : names[0], session.Services.Scripts.Options);
    }
}
