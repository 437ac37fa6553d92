using Serverless.Listeners.Caching;
using Serverless.Listeners.Hosting;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Security;

namespace Serverless.Listeners.Pop3;

/// <summary>The shared services every POP3 session uses (the message cache is the process's, shared with IMAP and the MX).</summary>
internal sealed record Pop3Services(
    ListenerOptions Listener,
    Pop3Options Options,
    LoginVerifier Logins,
    MailboxIndex Index,
    MessageStore Messages,
    MaildropLeases Leases,
    Pop3ReadAheadBudget ReadAheadBudget,
    MessageCache Cache,
    ILogger<Pop3Session> Logger);
