using System.Net.Sockets;
using Azure;

namespace Serverless.Mail.Storage;

/// <summary>
/// The one rule for "storage failed, but only for now": the account is down, throttling, slow or
/// unreachable. The listeners answer these with a try-again (SMTP 451, IMAP NO [UNAVAILABLE],
/// POP3 -ERR [SYS/TEMP]); anything else is a fault of ours and is answered as one.
/// </summary>
public static class StorageFailures
{
    public static bool IsTransient(Exception e) => e switch
    {
        // 0: no answer at all (the SDK gave up on the connection).
        RequestFailedException r => r.Status is 0 or 408 or 429 or >= 500,
        HttpRequestException or TimeoutException or IOException or SocketException => true,
        AggregateException a => a.InnerExceptions.Count > 0 && a.InnerExceptions.All(IsTransient),
        // A timeout surfaces as a cancellation whose cause is the timeout.
        _ => e.InnerException is not null && IsTransient(e.InnerException),
    };

    /// <summary>The thing asked for does not exist (any more): a blob or row deleted by another session.</summary>
    public static bool IsNotFound(Exception e) => e is RequestFailedException { Status: 404 };
}
