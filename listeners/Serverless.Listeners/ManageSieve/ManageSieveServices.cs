using Serverless.Listeners.Hosting;
using Serverless.Mail.Security;
using Serverless.Mail.Sieve;
using Serverless.Mail.Sieve.Scripts;

namespace Serverless.Listeners.ManageSieve;

/// <summary>
/// The shared, stateless services every ManageSieve session uses. <see cref="Checker"/> is the
/// Sieve language's compiler (registered by it); without one scripts cannot be stored.
/// </summary>
internal sealed record ManageSieveServices(
    ListenerOptions Listener,
    ManageSieveOptions Options,
    LoginVerifier Logins,
    SieveScripts Scripts,
    SieveScriptSource ActiveScripts,
    ISieveChecker Checker,
    ILogger<ManageSieveSession> Logger);
