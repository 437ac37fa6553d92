using Serverless.Mail.Delivery;
using Serverless.Protocols.Smtp;

namespace Serverless.Listeners.Smtp.Commands;

/// <summary>The SMTP reply to the end of a message (DATA's final dot, BDAT LAST) for what <see cref="MessageIntake"/> did with it.</summary>
public static class IntakeReply
{
    public static SmtpReply For(IntakeResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Outcome switch
        {
            IntakeOutcome.Accepted => SmtpReply.Of(250, "2.0.0", $"OK: queued as {result.Id}"),
            IntakeOutcome.RateLimited => SmtpReply.Of(450, "4.7.1", "Sending rate limit reached, try again later"),
            // No backscatter: refused while the client is still here, so its own MTA tells the sender.
            IntakeOutcome.SpamRefused => SmtpReply.Of(550, "5.7.1", "Message refused as spam"),
            IntakeOutcome.SenderRefused => SmtpReply.Of(550, result.Refusal?.Status ?? "5.7.1", result.Refusal?.Text ?? "Sender not allowed"),
            _ => SmtpReply.Of(451, "4.3.0", "Temporary storage failure, try again later"),
        };
    }
}
