using System.Collections.Frozen;
using Serverless.Listeners.Pop3.Commands;
using Serverless.Protocols.Pop3;

namespace Serverless.Listeners.Pop3;

/// <summary>A command's handler and the states it is allowed in.</summary>
internal sealed record Pop3CommandEntry(IPop3Command Handler, Pop3SessionState AllowedIn);

/// <summary>
/// Which command each state allows (RFC 1939 sections 4–6, RFC 2449 CAPA in both states,
/// RFC 2595 STLS and RFC 5034 AUTH before login). Anything else is answered -ERR.
/// </summary>
internal static class Pop3CommandTable
{
    private const Pop3SessionState Authorization = Pop3SessionState.Authorization;
    private const Pop3SessionState Transaction = Pop3SessionState.Transaction;

    public static readonly FrozenDictionary<Pop3CommandKind, Pop3CommandEntry> Entries = new Dictionary<Pop3CommandKind, Pop3CommandEntry>
    {
        [Pop3CommandKind.Capa] = new(new CapaCommand(), Authorization | Transaction),
        [Pop3CommandKind.Quit] = new(new QuitCommand(), Authorization | Transaction),
        [Pop3CommandKind.Stls] = new(new StlsCommand(), Authorization),
        [Pop3CommandKind.User] = new(new UserCommand(), Authorization),
        [Pop3CommandKind.Pass] = new(new PassCommand(), Authorization),
        [Pop3CommandKind.Auth] = new(new AuthCommand(), Authorization),
        [Pop3CommandKind.Apop] = new(new ApopCommand(), Authorization),
        [Pop3CommandKind.Stat] = new(new StatCommand(), Transaction),
        [Pop3CommandKind.List] = new(new ListCommand(), Transaction),
        [Pop3CommandKind.Uidl] = new(new UidlCommand(), Transaction),
        [Pop3CommandKind.Retr] = new(new RetrCommand(), Transaction),
        [Pop3CommandKind.Top] = new(new TopCommand(), Transaction),
        [Pop3CommandKind.Dele] = new(new DeleCommand(), Transaction),
        [Pop3CommandKind.Rset] = new(new RsetCommand(), Transaction),
        [Pop3CommandKind.Noop] = new(new NoopCommand(), Transaction),
    }.ToFrozenDictionary();
}
