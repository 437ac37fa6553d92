using Serverless.Protocols.ManageSieve;

namespace Serverless.Listeners.ManageSieve.Commands;

/// <summary>RFC 5804 2.9 GETSCRIPT name: the script as a literal, then OK.</summary>
internal sealed class GetScriptCommand : IManageSieveCommand
{
    public async ValueTask<ManageSieveReply> ExecuteAsync(ManageSieveSession session, ManageSieveCommand command, CancellationToken cancellationToken)
    {
        var name = ScriptArguments.Strings(command, 1)[0];
        var text = await session.Services.Scripts.GetAsync(ScriptArguments.MailboxId(session), name, cancellationToken);
        return text is null
            ? ScriptArguments.Answer(Mail.Sieve.Scripts.SieveChange.NonExistent, name, session.Services.Scripts.Options)
            : ManageSieveReply.Data([new ManageSieveDataLine(text, Literal: true)]);
    }
}
