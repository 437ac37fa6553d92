namespace Serverless.Listeners.Connections;

public enum MailProtocol
{
    Smtp,
    Imap,
    Pop3,
    ManageSieve,
}

public enum TlsMode
{
    /// <summary>Plain TCP; the client may upgrade with STARTTLS/STLS.</summary>
    StartTls,

    /// <summary>TLS from the first byte (465, 993, 995).</summary>
    Implicit,
}

/// <summary>What a listening port is for. Set on each connection as a feature by the endpoint's middleware.</summary>
/// <param name="Name">"mx", "submission", "submissions", "imap", "imaps", "pop3", "pop3s", "sieve".</param>
/// <param name="IsSubmission">SMTP only: AUTH required, mail may leave (587/465); false for the MX.</param>
public sealed record MailEndpoint(MailProtocol Protocol, string Name, int Port, TlsMode Tls, bool IsSubmission = false);
