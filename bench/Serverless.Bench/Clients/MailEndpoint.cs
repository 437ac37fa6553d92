using System.Net;

namespace Serverless.Bench.Clients;

/// <summary>How a client secures a connection: plaintext, implicit TLS (its own port), or STARTTLS/STLS on the plain port.</summary>
internal enum Security
{
    Plain,
    Implicit,
    StartTls,
}

internal static class SecurityNames
{
    public static string Describe(this Security security, bool pop3) => security switch
    {
        Security.Implicit => pop3 ? "POP3S, implicit TLS" : "IMAPS, implicit TLS",
        Security.StartTls => pop3 ? "STLS" : "STARTTLS",
        _ => "plaintext",
    };

    public static Security Parse(string text) => text.ToLowerInvariant() switch
    {
        "implicit" or "tls" or "imaps" or "pop3s" => Security.Implicit,
        "starttls" or "stls" => Security.StartTls,
        "plain" or "plaintext" or "none" => Security.Plain,
        _ => throw new ArgumentException($"TLS mode {text}: implicit, starttls (stls) or plain"),
    };
}

/// <summary>
/// A mail server the comparison drives: where its SMTP, IMAP and POP3 listen and which accounts it
/// has. Ours (the dev host on free ports, accounts created by the benchmark) and a peer
/// (Postfix + Dovecot from <c>../shared/peers/setup-peers.sh</c>, or any other server) are both
/// one of these, so the same client code measures both.
/// </summary>
internal sealed record MailEndpoint(string Name, IPAddress Host, int SmtpPort, int ImapPort, int ImapsPort, int Pop3Port, int Pop3sPort, string Password)
{
    /// <summary>Accounts in the order phases take them (0: SMTP target, then the IMAP mailboxes, then POP3).</summary>
    public required IReadOnlyList<string> Users { get; init; }

    public Task<ImapConnection> ImapAsync(Security security, CancellationToken cancellationToken = default) =>
        ImapConnection.ConnectAsync(security == Security.Implicit ? ImapsPort : ImapPort, tls: security == Security.Implicit,
            startTls: security == Security.StartTls, address: Host, cancellationToken: cancellationToken);

    public Task<Pop3Connection> Pop3Async(Security security, CancellationToken cancellationToken = default) =>
        Pop3Connection.ConnectAsync(security == Security.Implicit ? Pop3sPort : Pop3Port, security == Security.Implicit,
            security == Security.StartTls, Host, cancellationToken);

    public Task SendAsync(string from, string to, byte[] dotStuffedBody, CancellationToken cancellationToken = default) =>
        Clients.SmtpSender.SendAsync(SmtpPort, from, to, dotStuffedBody, host: Host, cancellationToken: cancellationToken);
}
