using System.Text;
using Microsoft.Extensions.Logging;
using MimeKit;
using Serverless.Mail.Delivery.Authentication;
using Serverless.Mail.Index;
using Serverless.Mail.Model;

namespace Serverless.Mail.Delivery;

/// <summary>A message parsed once: its summary, the parsed form (owned by the caller) and, for mail from the internet, the sender checks' verdict.</summary>
public sealed record CheckedMessage(MessageSummary Summary, MimeMessage Message, AuthenticationVerdict? Verdict) : IDisposable
{
    /// <summary>The Authentication-Results header to put in front of the stored message; empty without a verdict.</summary>
    public byte[] Header => Verdict is null ? [] : Encoding.UTF8.GetBytes(Verdict.Header);

    /// <summary>DMARC / SPF say the message belongs in Junk.</summary>
    public bool Junk => Verdict?.Junk ?? false;

    public void Dispose() => Message.Dispose();
}

/// <summary>
/// What every arriving message goes through once, in one implementation for every size: MimeKit
/// parses it, <see cref="MessageSummaryBuilder"/> summarises it, and mail from the internet (an SPF
/// verdict is at hand) gets DKIM and DMARC through <see cref="MessageAuthenticator"/>, ending in its
/// Authentication-Results header. Only where it runs depends on the size, because moving it would cost
/// storage requests: <see cref="MessageIntake"/> runs it from memory for a message up to ~1 MiB, before
/// the single Put Blob; <see cref="InboundAuthentication"/> runs it from the blob for a larger one, in the
/// ingest (the listener never holds such a message whole).
/// </summary>
public sealed partial class ArrivalChecks(MessageAuthenticator authenticator, ILogger<ArrivalChecks> logger)
{
    /// <summary>Blob metadata <c>authres=1</c>: the stored message carries our Authentication-Results already.</summary>
    public const string MetadataKey = "authres";

    /// <summary>
    /// Parses and summarises <paramref name="content"/> and, when <paramref name="spf"/> is given, checks
    /// DKIM and DMARC. Failures propagate (the ingest's queue message is retried).
    /// </summary>
    public async Task<CheckedMessage> CheckAsync(Stream content, string mailFrom, string? helo, SpfResult? spf, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(mailFrom);
        var (summary, message) = await MessageSummaryBuilder.BuildAsync(content, cancellationToken).ConfigureAwait(false);
        try
        {
            var verdict = spf is { } result ? await authenticator.CheckAsync(message, mailFrom, helo, result, cancellationToken).ConfigureAwait(false) : null;
            return new CheckedMessage(summary, message, verdict);
        }
        catch
        {
            message.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The same from memory, for the listener, where a failure must not refuse the message: null if it cannot
    /// be parsed (the ingest then summarises it from the blob), no verdict if the checks themselves broke.
    /// </summary>
    public async Task<CheckedMessage?> TryCheckAsync(ReadOnlyMemory<byte> content, string mailFrom, string? helo, SpfResult? spf, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mailFrom);
        var parsed = await TrySummariseAsync(content, cancellationToken).ConfigureAwait(false);
        if (parsed is null || spf is not { } result)
        {
            return parsed;
        }
        try
        {
            var verdict = await authenticator.CheckAsync(parsed.Message, mailFrom, helo, result, cancellationToken).ConfigureAwait(false);
            return new CheckedMessage(parsed.Summary, parsed.Message, verdict);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCheckFailed("DKIM/DMARC", e.Message);
            return parsed;
        }
        catch
        {
            parsed.Dispose();
            throw;
        }
    }

    /// <summary>Parses and summarises a message in memory without checks; null if MimeKit cannot read it.</summary>
    public async Task<CheckedMessage?> TrySummariseAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        try
        {
            // The parser copies what it keeps (persistent: false), so the caller's buffer is read in place.
            using var stream = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(content, out var segment)
                ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                : new MemoryStream(content.ToArray(), writable: false);
            var (summary, message) = await MessageSummaryBuilder.BuildAsync(stream, cancellationToken).ConfigureAwait(false);
            return new CheckedMessage(summary, message, null);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            LogSummaryFailed(e.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Check} check failed in the listener: {Reason}")]
    private partial void LogCheckFailed(string check, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not summarise a message in the listener: {Reason}")]
    private partial void LogSummaryFailed(string reason);
}
