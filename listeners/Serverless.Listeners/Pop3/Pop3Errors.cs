using Azure;

namespace Serverless.Listeners.Pop3;

internal static class Pop3Errors
{
    /// <summary>Failures of the storage account (down, throttling, timeouts): answered with [SYS/TEMP].</summary>
    public static bool IsStorageFailure(Exception e) =>
        e is RequestFailedException or HttpRequestException or TimeoutException or AggregateException or IOException
            || (e is OperationCanceledException && e.InnerException is TimeoutException or IOException);
}
