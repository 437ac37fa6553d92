namespace Serverless.Mail.Spam.Signals;

/// <summary>
/// The sending domain's reputation (<see cref="SenderReputation"/>) as a score: <c>REPUTATION_BAD</c>
/// (built-in weight 4) or <c>REPUTATION_GOOD</c> (-2), times how far the domain leans (0…1), once it
/// has at least <see cref="MinimumEvidence"/> decayed verdicts. Only authenticated domains have one
/// (<see cref="Domain"/>). A failed read is no signal.
/// </summary>
public sealed class ReputationSignal(SpamOptions options, SenderReputation reputation) : IMessageSignal
{
    public const double MinimumEvidence = 3;

    public async Task<IReadOnlyList<SpamTest>> CheckAsync(SpamSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (Domain(subject) is not { } domain)
        {
            return [];
        }
        ReputationCounts? counts;
        try
        {
            counts = await reputation.GetAsync(domain, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return [];
        }
        if (counts is not { } c || c.Total < MinimumEvidence)
        {
            return [];
        }
        var leaning = c.Leaning;
        var (name, weight) = leaning switch
        {
            > 0.2 => ("REPUTATION_BAD", options.Weight("REPUTATION_BAD", 4)),
            < -0.2 => ("REPUTATION_GOOD", options.Weight("REPUTATION_GOOD", -2)),
            _ => ("", 0.0),
        };
        var score = Math.Round(Math.Abs(leaning) * weight, 2);
        return score == 0 ? [] : [new SpamTest(name, score)];
    }

    /// <summary>The domain a verdict can be pinned on: the DMARC-passing From: domain, else the SPF-passing MAIL FROM domain.</summary>
    public static string? Domain(SpamSubject subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (subject.Authentication is not { } auth)
        {
            return null;
        }
        if (auth.Dmarc.Result == "pass" && !string.IsNullOrEmpty(auth.Dmarc.FromDomain))
        {
            return auth.Dmarc.FromDomain.ToLowerInvariant();
        }
        var from = subject.Connection.MailFrom;
        var at = from.LastIndexOf('@');
        return auth.Spf == Delivery.Authentication.SpfResult.Pass && at >= 0 ? from[(at + 1)..].ToLowerInvariant() : null;
    }
}
