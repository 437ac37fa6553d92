using Serverless.Protocols.ManageSieve;

namespace Serverless.Listeners.ManageSieve.Commands;

/// <summary>RFC 5804 2.7 LISTSCRIPTS: one line per script, the active one marked ACTIVE.</summary>
internal sealed class ListScriptsCommand : IManageSieveCommand
{
    public async ValueTask<ManageSieveReply> ExecuteAsync(ManageSieveSession session, ManageSieveCommand command, CancellationToken cancellationToken)
    {
        ScriptArguments.Strings(command, 0);
        var scripts = await session.Services.Scripts.ListAsync(ScriptArguments.MailboxId(session), cancellationToken);
        return ManageSieveReply.Data(scripts.Select(s => new ManageSieveDataLine(s.Name, s.Active ? "ACTIVE" : null, SecondIsAtom: true)).ToList());
    }
}
