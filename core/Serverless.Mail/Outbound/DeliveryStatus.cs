namespace Serverless.Mail.Outbound;

/// <summary>Where a recipient stands. Only <see cref="Pending"/> is ever attempted again.</summary>
public enum RecipientState
{
    Pending,
    Delivered,
    Failed,
}

/// <summary>
/// The outcome of one delivery try for one recipient, in the terms a DSN needs (RFC 3464):
/// the enhanced status code (RFC 3463), the remote reply as diagnostic, the remote MTA.
/// </summary>
public sealed record DeliveryStatus(RecipientState State, string Status, string Diagnostic, string? RemoteMta = null)
{
    /// <summary>Delivered to a server that took the NOTIFY request over (RFC 3461): success reports are its job now.</summary>
    public bool NotifyPassedOn { get; init; }

    public bool IsTemporary => State == RecipientState.Pending;

    public static DeliveryStatus Delivered(string diagnostic, string? remoteMta) => new(RecipientState.Delivered, "2.0.0", diagnostic, remoteMta);

    public static DeliveryStatus Temporary(string status, string diagnostic, string? remoteMta = null) => new(RecipientState.Pending, status, diagnostic, remoteMta);

    public static DeliveryStatus Permanent(string status, string diagnostic, string? remoteMta = null) => new(RecipientState.Failed, status, diagnostic, remoteMta);

    /// <summary>
    /// From an SMTP reply: the enhanced code it carries, or one derived from the basic code
    /// (RFC 3463: class from the first digit, "undefined" detail otherwise).
    /// </summary>
    public static DeliveryStatus FromReply(int code, string text, string? remoteMta)
    {
        text = (text ?? "").Trim();
        var diagnostic = $"smtp; {code} {text}".TrimEnd();
        var enhanced = EnhancedCode(text) ?? (code / 100) switch
        {
            2 => "2.0.0",
            4 => "4.0.0",
            _ => "5.0.0",
        };
        return (code / 100) switch
        {
            2 => Delivered(diagnostic, remoteMta),
            4 => Temporary(enhanced, diagnostic, remoteMta),
            _ => Permanent(enhanced, diagnostic, remoteMta),
        };
    }

    private static string? EnhancedCode(string text)
    {
        // "5.1.1 user unknown": class.subject.detail at the start of the text (RFC 2034).
        var end = text.IndexOf(' ', StringComparison.Ordinal);
        var first = end < 0 ? text : text[..end];
        var parts = first.Split('.');
        if (parts.Length != 3 || parts[0] is not ("2" or "4" or "5"))
        {
            return null;
        }
        return parts[1].Length is >= 1 and <= 3 && parts[1].All(char.IsAsciiDigit) && parts[2].Length is >= 1 and <= 3 && parts[2].All(char.IsAsciiDigit)
            ? first
            : null;
    }
}
