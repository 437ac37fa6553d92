using Microsoft.Extensions.Logging;

namespace Serverless.Mail.Spam.Signals;

/// <summary>
/// The content classifier's verdict (<see cref="IContentClassifier"/>, learnt from the tenant's users)
/// as a band, the way SpamAssassin scores its Bayes probability: <c>BAYES_00</c> (p &lt; 0.01) …
/// <c>BAYES_999</c> (p ≥ 0.999). Which classifier: whatever is registered; with none registered, or
/// nothing learnt yet (no tokens used), it is no signal. The tenant is the first recipient's; its
/// mailbox is named when the message reaches exactly one mailbox, so that mailbox's own learning counts.
/// A classifier that fails is no signal either.
/// </summary>
public sealed partial class ContentSignal(SpamOptions options, IEnumerable<IContentClassifier> classifiers, ILogger<ContentSignal> logger) : IMessageSignal
{
    /// <summary>
    /// Upper bounds of the bands and their built-in weights: SpamAssassin 4's defaults (rounded), and
    /// the weights once the models are trained (<see cref="SpamOptions.ContentTrainedMinimum"/>).
    /// SpamAssassin's top band stays under its required 5 because hundreds of other rules add to
    /// it; here the learnt content is the main judge of content, so a trained verdict of p ≥ 0.99
    /// reaches the default junk score alone, and p ≥ 0.84 with one more signal of 1.5 (e.g. no reverse
    /// DNS): with the classifier's 30 clues and s = 0.2, that line catches as much spam as p ≥ 0.95 did
    /// before and misfiles less ham (on the SpamAssassin corpus, bench/README.md, issue 18). The
    /// line between BAYES_60 and BAYES_80 is SpamAssassin's 0.80 moved to 0.84: over 13 splits of that
    /// corpus the one line that meets both quality targets on the most splits ("2026-12-05").
    /// </summary>
    private static readonly (double Below, string Name, double Weight, double Trained)[] Bands =
    [
        (0.01, "BAYES_00", -1.9, -2.5),
        (0.05, "BAYES_05", -0.5, -1.0),
        (0.20, "BAYES_20", -0.001, -0.001),
        (0.40, "BAYES_40", -0.001, -0.001),
        (0.60, "BAYES_50", 0.8, 0.8),
        (0.84, "BAYES_60", 1.5, 1.5),
        (0.95, "BAYES_80", 2.0, 3.5),
        (0.99, "BAYES_95", 3.0, 4.0),
        (0.999, "BAYES_99", 3.5, 5.0),
        (double.PositiveInfinity, "BAYES_999", 4.5, 5.5),
    ];

    private readonly IContentClassifier? _classifier = classifiers.LastOrDefault();

    public async Task<IReadOnlyList<SpamTest>> CheckAsync(SpamSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (_classifier is null || subject.Message is null || subject.Recipients.Count == 0)
        {
            return [];
        }
        var tenant = subject.Recipients[0].TenantId;
        var mailboxes = subject.Recipients.SelectMany(r => r.MailboxIds).Distinct().ToList();
        ContentVerdict verdict;
        try
        {
            verdict = await _classifier.ClassifyAsync(tenant, mailboxes.Count == 1 ? mailboxes[0] : null, subject.Message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogClassifierFailed(e.Message);
            return [];
        }
        if (verdict.TokensUsed == 0 || double.IsNaN(verdict.SpamProbability))
        {
            return [];
        }
        var trained = Math.Min(verdict.SpamLearnt, verdict.HamLearnt) >= options.ContentTrainedMinimum;
        var band = Band(verdict.SpamProbability, trained);
        return options.Fired(band.Name, band.Weight);
    }

    /// <summary>The band of <paramref name="probability"/> and its built-in weight, untrained or trained.</summary>
    public static (string Name, double Weight) Band(double probability, bool trained = false)
    {
        var band = Bands.FirstOrDefault(b => probability < b.Below, Bands[^1]);
        return (band.Name, trained ? band.Trained : band.Weight);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Content classifier failed; no content signal: {Reason}")]
    private partial void LogClassifierFailed(string reason);
}
