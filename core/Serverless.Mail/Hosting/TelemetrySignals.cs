namespace Serverless.Mail.Hosting;

/// <summary>Which signals a host exports to Application Insights itself.</summary>
[Flags]
public enum TelemetrySignals
{
    None = 0,
    Metrics = 1,
    Traces = 2,

    /// <summary>
    /// Not for the function app: its worker's logs already reach Application Insights through the
    /// Functions host, and exporting them here too would count (and bill) every line twice.
    /// </summary>
    Logs = 4,
    All = Metrics | Traces | Logs,
}
