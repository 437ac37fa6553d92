using Serverless.Protocols.ManageSieve;

namespace Serverless.Listeners.ManageSieve.Commands;

/// <summary>
/// RFC 5804 2.6 PUTSCRIPT name script: checked by the Sieve compiler first — a script that does
/// not compile is answered NO "line N: reason" and never stored —, then stored within the quota.
/// Replacing the active script changes what the ingest runs.
/// </summary>
internal sealed class PutScriptCommand : IManageSieveCommand
{
    public async ValueTask<ManageSieveReply> ExecuteAsync(ManageSieveSession session, ManageSieveCommand command, CancellationToken cancellationToken)
    {
        var (name, script) = ScriptArguments.Strings(command, 2) switch { var a => (a[0], a[1]) };
        if (ScriptArguments.BadName(name) is { } bad)
        {
            return bad;
        }
        if (ScriptArguments.CheckFails(session, script) is { } failed)
        {
            return failed;
        }
        var mailbox = ScriptArguments.MailboxId(session);
        var scripts = session.Services.Scripts;
        var change = await scripts.PutAsync(mailbox, name, script, cancellationToken);
        session.Services.ActiveScripts.Forget(mailbox);
        return ScriptArguments.Answer(change, name, scripts.Options);
    }
}
