using Serverless.Mail.Accounts;
using Serverless.Mail.Security;

namespace Serverless.Listeners.Imap;

internal sealed partial record ImapServices
{
    /// <summary>URLAUTH's mailbox access keys (RFC 4467).</summary>
    public MailboxAccessKeys AccessKeys { get; init; } = null!;

    /// <summary>The directory: URLFETCH finds the mailbox a URL of another user names.</summary>
    public MailDirectory Directory { get; init; } = null!;
}
