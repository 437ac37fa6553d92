namespace Serverless.Listeners.Smtp;

/// <summary>SMTP limits (section <c>Mail:Smtp</c>; env <c>Mail__Smtp__...</c>).</summary>
public sealed class SmtpOptions
{
    public const string Section = "Mail:Smtp";

    /// <summary>Advertised with SIZE and enforced while the message streams in (552 5.3.4 beyond it).</summary>
    public long MaxMessageSize { get; set; } = 35L * 1024 * 1024;

    public int MaxRecipients { get; set; } = 100;

    /// <summary>Failed commands (4xx/5xx replies) after which the session is closed with 421.</summary>
    public int MaxErrors { get; set; } = 20;

    public int MaxCommandLine { get; set; } = Protocols.Common.ProtocolLimits.SmtpCommandLine;

    public int MaxDataLine { get; set; } = Protocols.Common.ProtocolLimits.SmtpDataLine;

    /// <summary>
    /// Where <c>RCPT TO:&lt;Postmaster&gt;</c> (no domain, RFC 5321 4.1.1.3) goes: an address in a
    /// hosted domain. Empty means postmaster at the listener's host name.
    /// </summary>
    public string? PostmasterAddress { get; set; }
}
