using Microsoft.Azure.Functions.Worker;
using Serverless.Mail.Provisioning.Dkim;

namespace Serverless.Functions.Timers;

/// <summary>Hourly: DKIM rotations switch to the new key once DNS serves it (or after the switch delay) and old keys retire.</summary>
public sealed class DkimRotationFunction(DkimRotation rotation)
{
    [Function("DkimRotation")]
    public Task Run([TimerTrigger("0 23 * * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        rotation.AdvanceAsync(cancellationToken);
}
