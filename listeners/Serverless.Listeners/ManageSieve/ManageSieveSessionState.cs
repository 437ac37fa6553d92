namespace Serverless.Listeners.ManageSieve;

/// <summary>RFC 5804 states; flags so the command table can allow a command in several.</summary>
[Flags]
public enum ManageSieveSessionState
{
    NotAuthenticated = 1,
    Authenticated = 2,
}
