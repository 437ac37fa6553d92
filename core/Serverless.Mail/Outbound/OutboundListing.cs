using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.Mail.Provisioning.Api;
using Serverless.Mail.Provisioning.Resources;

namespace Serverless.Mail.Outbound;

/// <summary>
/// GET /api/tenants/{tenant}/outbound: the tenant's messages in the relay with each recipient's
/// state (admin or the tenant's key). Queued ones by default; <c>?all=true</c> adds finished
/// ones, which stay listed as the relay's record of what happened. One partition query per page.
/// </summary>
public sealed class OutboundListing(ApiGate gate, OutboundState state)
{
    public Task<IActionResult> ListAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var all = QueryParameters.Flag(request, "all");
        var limit = QueryParameters.Limit(request);
        var token = QueryParameters.Text(request, "continuationToken");
        var (items, next) = await state.ListAsync(call.Tenant, all, limit, token, call.Cancellation);
        return ApiResult.Ok(new ListView<OutboundMessageView>(items.Select(OutboundMessageView.Of).ToList(), next));
    });
}

public sealed record OutboundRecipientView(string Address, string State, string? Status, string? Diagnostic, string? RemoteMta, int Attempts, DateTimeOffset? UpdatedAt)
{
    public static OutboundRecipientView Of(OutboundRecipientRecord r) =>
        new(r.Address, r.State.ToString().ToLowerInvariant(), r.Status, r.Diagnostic, r.RemoteMta, r.Attempts, r.UpdatedAt);
}

public sealed record OutboundMessageView(string Id, string From, string? AuthenticatedAs, long Size, DateTimeOffset SubmittedAt, bool Done, int Attempt,
    DateTimeOffset? LastAttemptAt, DateTimeOffset? NextAttemptAt, IReadOnlyList<OutboundRecipientView> Recipients)
{
    public static OutboundMessageView Of(OutboundMessageRecord m) =>
        new(m.Id, m.MailFrom, m.AuthenticatedAs, m.Size, m.SubmittedAt, m.Done, m.Attempt, m.LastAttemptAt, m.Done ? null : m.NextAttemptAt,
            m.Recipients.Select(OutboundRecipientView.Of).ToList());

    public static readonly ApiSchema RecipientSchema = new("OutboundRecipient", "A recipient of a relayed message and where it stands.",
    [
        new("address", ApiType.String, "The recipient.") { Required = true },
        new("state", ApiType.String, "pending (will be retried), delivered or failed.") { Required = true },
        new("status", ApiType.String, "RFC 3463 status of the last attempt, e.g. 2.0.0 or 5.1.1.") { Required = true, Nullable = true },
        new("diagnostic", ApiType.String, "The last answer, e.g. 'smtp; 550 5.1.1 no such user'.") { Required = true, Nullable = true },
        new("remoteMta", ApiType.String, "The server that gave it.") { Required = true, Nullable = true },
        new("attempts", ApiType.Integer, "Delivery attempts so far.") { Required = true, Minimum = 0 },
        new("updatedAt", ApiType.String, "When its state last changed (UTC).") { Required = true, Nullable = true, Format = "date-time" },
    ]);

    public static readonly ApiSchema Schema = new("OutboundMessage", "A message in the outbound relay.",
    [
        new("id", ApiType.String, "The message's queue id.") { Required = true },
        new("from", ApiType.String, "The envelope sender (empty for the null sender).") { Required = true },
        new("authenticatedAs", ApiType.String, "The login that submitted it.") { Required = true, Nullable = true },
        new("size", ApiType.Integer, "Bytes.") { Required = true, Minimum = 0 },
        new("submittedAt", ApiType.String, "When it was queued (UTC).") { Required = true, Format = "date-time" },
        new("done", ApiType.Boolean, "Every recipient is delivered or failed and the DSNs are sent.") { Required = true },
        new("attempt", ApiType.Integer, "Retry generation (0 = first attempt).") { Required = true, Minimum = 0 },
        new("lastAttemptAt", ApiType.String, "When it was last tried (UTC).") { Required = true, Nullable = true, Format = "date-time" },
        new("nextAttemptAt", ApiType.String, "When it will be tried again (UTC); null when done.") { Required = true, Nullable = true, Format = "date-time" },
        new("recipients", ApiType.Array, "Its recipients.") { Required = true, Schema = RecipientSchema },
    ]);
}
