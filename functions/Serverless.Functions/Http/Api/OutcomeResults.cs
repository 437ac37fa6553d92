using Serverless.Mail.Provisioning;

namespace Serverless.Functions.Http.Api;

/// <summary>A core outcome as an HTTP answer: what it produced with the given status, or the problem for its error.</summary>
internal static class OutcomeResults
{
    public static ApiResult Ok<T>(this ProvisioningOutcome<T> outcome) where T : notnull =>
        outcome.Error is { } error ? ApiProblem.From(error) : ApiResult.Ok(outcome.Value!);

    public static ApiResult Created<T>(this ProvisioningOutcome<T> outcome, Func<T, string> location) where T : notnull =>
        outcome.Error is { } error ? ApiProblem.From(error) : ApiResult.Created(location(outcome.Value!), outcome.Value!);

    public static ApiResult Accepted<T>(this ProvisioningOutcome<T> outcome) where T : notnull =>
        outcome.Error is { } error ? ApiProblem.From(error) : ApiResult.Accepted(outcome.Value!);

    public static ApiResult NoContent(this ProvisioningOutcome<Done> outcome) =>
        outcome.Error is { } error ? ApiProblem.From(error) : ApiResult.NoContent();
}
