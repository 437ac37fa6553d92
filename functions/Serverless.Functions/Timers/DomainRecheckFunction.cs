using Microsoft.Azure.Functions.Worker;
using Serverless.Mail.Provisioning;

namespace Serverless.Functions.Timers;

/// <summary>
/// Daily: re-checks every verified domain's TXT record; one missing for
/// <c>Mail:Provisioning:DomainRecordGracePeriod</c> (7 days) returns the domain to pending and its postmaster is told.
/// </summary>
public sealed class DomainRecheckFunction(DomainOwnership ownership)
{
    [Function("DomainRecheck")]
    public Task Run([TimerTrigger("0 41 4 * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        ownership.RecheckAsync(cancellationToken);
}
