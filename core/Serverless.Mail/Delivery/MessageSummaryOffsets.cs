using Serverless.Mail.Index;
using Serverless.Mail.Model;

namespace Serverless.Mail.Delivery;

/// <summary>
/// Moves a summary's byte offsets when headers are put in front of the parsed bytes (trace
/// headers, Authentication-Results): the message is parsed once, before the prefix exists.
/// </summary>
public static class MessageSummaryOffsets
{
    /// <summary>
    /// Shifts the offsets by <paramref name="delta"/> bytes put in front. The kept raw header no
    /// longer matches the stored bytes, so it is dropped (IMAP then reads the header from the blob);
    /// use <see cref="Prepend"/> when the prefix is at hand.
    /// </summary>
    public static MessageSummary Shift(MessageSummary summary, long delta)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return delta == 0 ? summary : summary with
        {
            HeaderLength = summary.HeaderLength + delta,
            RawHeader = null,
            Body = Shift(summary.Body, delta),
        };
    }

    /// <summary>Shifts the offsets for header lines <paramref name="prefix"/> put in front, and keeps the raw header in step.</summary>
    public static MessageSummary Prepend(MessageSummary summary, ReadOnlySpan<byte> prefix)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var shifted = Shift(summary, prefix.Length);
        if (prefix.Length == 0 || summary.RawHeader is null || prefix.Length + summary.RawHeader.Length > MessageSummary.MaxRawHeader)
        {
            return prefix.Length == 0 ? summary : shifted;
        }
        return shifted with { RawHeader = System.Text.Encoding.Latin1.GetString(prefix) + summary.RawHeader };
    }

    private static MimePartSummary Shift(MimePartSummary part, long delta) => part with
    {
        // The top-level entity's header is the message header: it still starts at byte 0, now with the prefix in it.
        HeaderOffset = part.HeaderOffset == 0 ? 0 : part.HeaderOffset + delta,
        BodyOffset = part.BodyOffset + delta,
        EndOffset = part.EndOffset + delta,
        Parts = part.Parts?.Select(p => Shift(p, delta)).ToList(),
        MessageBody = part.MessageBody is null ? null : Shift(part.MessageBody, delta),
    };
}
