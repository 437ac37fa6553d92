using Serverless.Mail.Provisioning.Resources;

namespace Serverless.Mail.Outbound;

/// <summary>
/// A tenant's messages in the relay with each recipient's state. Queued ones by default;
/// <c>all</c> adds finished ones, which stay listed as the relay's record of what
/// happened. One partition query per page.
/// </summary>
public sealed class OutboundListing(OutboundState state)
{
    public async Task<ListView<OutboundMessageView>> ListAsync(string tenant, bool all, int limit, string? continuationToken, CancellationToken cancellationToken)
    {
        var (items, next) = await state.ListAsync(tenant, all, limit, continuationToken, cancellationToken);
        return new ListView<OutboundMessageView>(items.Select(OutboundMessageView.Of).ToList(), next);
    }
}

public sealed record OutboundRecipientView(string Address, string State, string? Status, string? Diagnostic, string? RemoteMta, int Attempts, DateTimeOffset? UpdatedAt)
{
    public static OutboundRecipientView Of(OutboundRecipientRecord r) =>
        new(r.Address, r.State.ToString().ToLowerInvariant(), r.Status, r.Diagnostic, r.RemoteMta, r.Attempts, r.UpdatedAt);
}

public sealed record OutboundMessageView(string Id, string From, string? AuthenticatedAs, long Size, DateTimeOffset SubmittedAt, bool Done, int Attempt,
    DateTimeOffset? LastAttemptAt, DateTimeOffset? NextAttemptAt, bool Held, bool Cancelled, IReadOnlyList<OutboundRecipientView> Recipients)
{
    public static OutboundMessageView Of(OutboundMessageRecord m) =>
        new(m.Id, m.MailFrom, m.AuthenticatedAs, m.Size, m.SubmittedAt, m.Done, m.Attempt, m.LastAttemptAt, m.Done || m.Held ? null : m.NextAttemptAt,
            m.Held, m.Cancelled, m.Recipients.Select(OutboundRecipientView.Of).ToList());
}
