using System.Collections.Frozen;
using Serverless.Listeners.ManageSieve.Commands;

namespace Serverless.Listeners.ManageSieve;

/// <summary>A command's handler and the states it is allowed in.</summary>
internal sealed record ManageSieveCommandEntry(IManageSieveCommand Handler, ManageSieveSessionState AllowedIn);

/// <summary>
/// Which command each state allows (RFC 5804 section 2: STARTTLS and AUTHENTICATE before login,
/// the script commands and UNAUTHENTICATE after it, CAPABILITY, NOOP and LOGOUT in both). Anything
/// else is answered NO.
/// </summary>
internal static class ManageSieveCommandTable
{
    private const ManageSieveSessionState Before = ManageSieveSessionState.NotAuthenticated;
    private const ManageSieveSessionState After = ManageSieveSessionState.Authenticated;

    public static readonly FrozenDictionary<string, ManageSieveCommandEntry> Entries = new Dictionary<string, ManageSieveCommandEntry>
    {
        ["CAPABILITY"] = new(new CapabilityCommand(), Before | After),
        ["NOOP"] = new(new NoopCommand(), Before | After),
        ["LOGOUT"] = new(new LogoutCommand(), Before | After),
        ["STARTTLS"] = new(new StartTlsCommand(), Before),
        ["AUTHENTICATE"] = new(new AuthenticateCommand(), Before),
        ["UNAUTHENTICATE"] = new(new UnauthenticateCommand(), After),
        ["HAVESPACE"] = new(new HaveSpaceCommand(), After),
        ["PUTSCRIPT"] = new(new PutScriptCommand(), After),
        ["CHECKSCRIPT"] = new(new CheckScriptCommand(), After),
        ["LISTSCRIPTS"] = new(new ListScriptsCommand(), After),
        ["SETACTIVE"] = new(new SetActiveCommand(), After),
        ["GETSCRIPT"] = new(new GetScriptCommand(), After),
        ["DELETESCRIPT"] = new(new DeleteScriptCommand(), After),
        ["RENAMESCRIPT"] = new(new RenameScriptCommand(), After),
    }.ToFrozenDictionary(StringComparer.Ordinal);
}
