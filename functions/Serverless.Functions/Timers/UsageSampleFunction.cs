using Microsoft.Azure.Functions.Worker;
using Serverless.Mail.Usage;

namespace Serverless.Functions.Timers;

/// <summary>Hourly: each tenant's stored bytes and mailbox count into its usage row (the capacity part of the cost estimate).</summary>
public sealed class UsageSampleFunction(UsageSampler sampler)
{
    [Function("UsageSample")]
    public Task Run([TimerTrigger("0 7 * * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        sampler.SampleAsync(cancellationToken);
}
