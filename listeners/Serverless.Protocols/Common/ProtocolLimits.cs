namespace Serverless.Protocols.Common;

/// <summary>Bounds shared by the protocol parsers, so hostile input meets a precise error, never unbounded memory.</summary>
public static class ProtocolLimits
{
    /// <summary>RFC 5321 4.5.3.1.4: 512 octets for a command line; extensions (SMTPUTF8, AUTH) need more, so allow 4 KiB.</summary>
    public const int SmtpCommandLine = 4096;

    /// <summary>RFC 5321 4.5.3.1.6 text line of 1000 octets; we accept longer lines but bound them.</summary>
    public const int SmtpDataLine = 64 * 1024;

    public const int ImapCommandLine = 64 * 1024;

    public const int Pop3CommandLine = 512;
}
