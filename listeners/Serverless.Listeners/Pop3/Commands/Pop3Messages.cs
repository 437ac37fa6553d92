using Serverless.Mail.Storage;
using Serverless.Protocols.Pop3;

namespace Serverless.Listeners.Pop3.Commands;

/// <summary>What the message commands (LIST, UIDL, RETR, TOP, DELE) share.</summary>
internal static class Pop3Messages
{
    public static Pop3Reply NotAvailable(int number, Pop3MessageLookup lookup) => lookup == Pop3MessageLookup.Deleted
        ? Pop3Reply.Error($"Message {number} is already deleted")
        : Pop3Reply.Error($"No message {number}");

    /// <summary>Expunged by another client (IMAP) since login: its blob is gone.</summary>
    public static Pop3Reply Vanished(int number) => Pop3Reply.Error($"Message {number} was removed by another session");

    /// <summary>Opens the message's blob, or null if it no longer exists.</summary>
    public static async Task<Stream?> OpenAsync(Pop3Session session, int number, Pop3MaildropMessage message, CancellationToken ct)
    {
        try
        {
            return await session.OpenMessageAsync(number, message, ct);
        }
        catch (Exception e) when (StorageFailures.IsNotFound(e))
        {
            return null;
        }
    }
}
