using Microsoft.Extensions.Configuration;

namespace Serverless.Mail.Delivery;

/// <summary>Inbound delivery settings. The host name is the authserv-id of Authentication-Results and the Reporting-MTA of DSNs.</summary>
public sealed class DeliveryOptions
{
    /// <summary><c>Mail:Delivery:HostName</c>, else the listeners' <c>Mail:Listeners:HostName</c>, so both hosts sign results alike.</summary>
    public string HostName { get; set; } = "localhost";

    /// <summary>
    /// <c>Mail:Delivery:GroupRetryDelay</c>: how long a hand-off that failed inside a group queue
    /// message waits, put back on its own, before its next try — host.json's queue
    /// <c>visibilityTimeout</c> (30 s), the wait a single hand-off gets after a failure.
    /// </summary>
    public TimeSpan GroupRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    public static DeliveryOptions Bind(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new DeliveryOptions
        {
            HostName = configuration["Mail:Delivery:HostName"] ?? configuration["Mail:Listeners:HostName"] ?? "localhost",
            GroupRetryDelay = configuration.GetValue("Mail:Delivery:GroupRetryDelay", TimeSpan.FromSeconds(30)),
        };
    }
}
