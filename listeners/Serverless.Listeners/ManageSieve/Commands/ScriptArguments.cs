using Serverless.Mail.Sieve;
using Serverless.Mail.Sieve.Scripts;
using Serverless.Protocols.ManageSieve;

namespace Serverless.Listeners.ManageSieve.Commands;

/// <summary>What the script commands share: their argument shapes, name rules and how a store outcome is answered.</summary>
internal static class ScriptArguments
{
    /// <summary>The command's arguments must be exactly <paramref name="count"/> strings.</summary>
    public static string[] Strings(ManageSieveCommand command, int count)
    {
        if (command.Arguments.Count != count || command.Arguments.Any(a => !a.IsString))
        {
            throw new ArgumentsException($"{command.Name} takes {count} string argument{(count == 1 ? "" : "s")}");
        }
        return command.Arguments.Select(a => a.Text!).ToArray();
    }

    /// <summary>A valid script name, or a NO reply naming the rule it breaks.</summary>
    public static ManageSieveReply? BadName(string name) =>
        SieveScriptName.Problem(name) is { } problem ? ManageSieveReply.No(problem) : null;

    /// <summary>Compiles with the Sieve language's checker: null when valid, else NO "line N: reason".</summary>
    public static ManageSieveReply? CheckFails(ManageSieveSession session, string script)
    {
        var result = session.Services.Checker.Check(script);
        return result.Valid ? null : ManageSieveReply.No(Describe(result));
    }

    public static string Describe(SieveCheckResult result) =>
        result.Line > 0 ? $"line {result.Line}: {result.Reason}" : result.Reason ?? "The script does not compile";

    public static ManageSieveReply Answer(SieveChange change, string name, SieveOptions options) => change switch
    {
        SieveChange.Done => ManageSieveReply.Ok(),
        SieveChange.NonExistent => ManageSieveReply.No($"There is no script named \"{name}\"", "NONEXISTENT"),
        SieveChange.AlreadyExists => ManageSieveReply.No($"A script named \"{name}\" exists already", "ALREADYEXISTS"),
        SieveChange.Active => ManageSieveReply.No("The active script cannot be deleted; SETACTIVE \"\" or another script first", "ACTIVE"),
        SieveChange.TooManyScripts => ManageSieveReply.No($"At most {options.MaxScripts} scripts may be stored", "QUOTA/MAXSCRIPTS"),
        SieveChange.TooLarge => ManageSieveReply.No($"A script may have at most {options.EffectiveMaxScriptBytes} octets", "QUOTA/MAXSIZE"),
        _ => throw new ArgumentOutOfRangeException(nameof(change), change, null),
    };

    public static string MailboxId(ManageSieveSession session) => session.Mailbox!.MailboxId;
}
