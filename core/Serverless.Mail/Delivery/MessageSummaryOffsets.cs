using Serverless.Mail.Index;

namespace Serverless.Mail.Delivery;

/// <summary>
/// Moves a summary's byte offsets when headers are put in front of the parsed bytes (trace
/// headers, Authentication-Results): the message is parsed once, before the prefix exists.
/// </summary>
public static class MessageSummaryOffsets
{
    public static MessageSummary Shift(MessageSummary summary, long delta)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return delta == 0 ? summary : summary with
        {
            HeaderLength = summary.HeaderLength + delta,
            Body = Shift(summary.Body, delta),
        };
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
