using Microsoft.Extensions.Configuration;

namespace Serverless.Mail.Delivery;

/// <summary>Inbound delivery settings. The host name is the authserv-id of Authentication-Results and the Reporting-MTA of DSNs.</summary>
public sealed class DeliveryOptions
{
    /// <summary><c>Mail:Delivery:HostName</c>, else the listeners' <c>Mail:Listeners:HostName</c>, so both hosts sign results alike.</summary>
    public string HostName { get; set; } = "localhost";

    public static DeliveryOptions Bind(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new DeliveryOptions
        {
            HostName = configuration["Mail:Delivery:HostName"] ?? configuration["Mail:Listeners:HostName"] ?? "localhost",
        };
    }
}
