using System.Net;
using MimeKit;
using Serverless.Mail.Delivery.Authentication;

namespace Serverless.Mail.Spam;

/// <summary>One test that fired: its name (as in X-Spam-Status) and what it adds to the score (negative for good signs).</summary>
public sealed record SpamTest(string Name, double Score)
{
    /// <summary>"NAME=score", as a hand-off carries it.</summary>
    public override string ToString() => Name + "=" + Score.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Reads <see cref="ToString"/>'s form back; null for anything else.</summary>
    public static SpamTest? Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var eq = text.LastIndexOf('=');
        return eq > 0 && double.TryParse(text.AsSpan(eq + 1), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var score)
            ? new SpamTest(text[..eq], score) : null;
    }
}

/// <summary>What is known about a connection when its transaction starts (MAIL FROM): enough for the DNS signals to run while the client sends.</summary>
public sealed record SpamConnection(IPAddress? Client, string? Helo, string MailFrom);

/// <summary>A recipient as the scorer sees it: address, tenant and the mailboxes it reaches.</summary>
public sealed record SpamRecipient(string Address, string TenantId, IReadOnlyList<string> MailboxIds);

/// <summary>Everything the message signals may use once the message is in.</summary>
public sealed record SpamSubject
{
    public required SpamConnection Connection { get; init; }

    /// <summary>The connection signals started at MAIL FROM (<see cref="SpamScorer.StartConnectionChecks"/>); null runs them now.</summary>
    public Task<IReadOnlyList<SpamTest>>? ConnectionTests { get; init; }

    /// <summary>SPF/DKIM/DMARC/ARC as <see cref="MessageAuthenticator"/> found them; null when they could not run.</summary>
    public AuthenticationVerdict? Authentication { get; init; }

    /// <summary>The parsed message (header and content signals); null when MimeKit could not read it.</summary>
    public MimeMessage? Message { get; init; }

    /// <summary>The bytes as received, for Rspamd; empty when not at hand (a large message in the ingest).</summary>
    public ReadOnlyMemory<byte> Raw { get; init; }

    public required IReadOnlyList<SpamRecipient> Recipients { get; init; }

    /// <summary>The queue id, for Rspamd's log.</summary>
    public string? QueueId { get; init; }
}

/// <summary>A signal known at MAIL FROM: runs during RCPT and DATA.</summary>
public interface IConnectionSignal
{
    Task<IReadOnlyList<SpamTest>> CheckAsync(SpamConnection connection, CancellationToken cancellationToken);
}

/// <summary>A signal that needs the message (or its authentication results).</summary>
public interface IMessageSignal
{
    Task<IReadOnlyList<SpamTest>> CheckAsync(SpamSubject subject, CancellationToken cancellationToken);
}
