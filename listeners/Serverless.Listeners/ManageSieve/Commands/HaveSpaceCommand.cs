using Serverless.Protocols.ManageSieve;

namespace Serverless.Listeners.ManageSieve.Commands;

/// <summary>RFC 5804 2.5 HAVESPACE name size: would PUTSCRIPT of that name and size fit the quota.</summary>
internal sealed class HaveSpaceCommand : IManageSieveCommand
{
    public async ValueTask<ManageSieveReply> ExecuteAsync(ManageSieveSession session, ManageSieveCommand command, CancellationToken cancellationToken)
    {
        if (command.Arguments is not [{ Text: { } name }, { Number: { } size }])
        {
            throw new ArgumentsException("HAVESPACE takes a script name and a size");
        }
        if (ScriptArguments.BadName(name) is { } bad)
        {
            return bad;
        }
        var scripts = session.Services.Scripts;
        var change = await scripts.HaveSpaceAsync(ScriptArguments.MailboxId(session), name, size, cancellationToken);
        return ScriptArguments.Answer(change, name, scripts.Options);
    }
}
