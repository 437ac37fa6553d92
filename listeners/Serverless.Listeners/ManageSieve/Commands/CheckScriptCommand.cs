using Serverless.Protocols.ManageSieve;

namespace Serverless.Listeners.ManageSieve.Commands;

/// <summary>RFC 5804 2.12 CHECKSCRIPT script: compiles without storing; NO "line N: reason" when it fails.</summary>
internal sealed class CheckScriptCommand : IManageSieveCommand
{
    public ValueTask<ManageSieveReply> ExecuteAsync(ManageSieveSession session, ManageSieveCommand command, CancellationToken cancellationToken)
    {
        var script = ScriptArguments.Strings(command, 1)[0];
        return ValueTask.FromResult(ScriptArguments.CheckFails(session, script) ?? ManageSieveReply.Ok());
    }
}
