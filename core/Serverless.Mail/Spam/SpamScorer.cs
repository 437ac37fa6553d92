using Microsoft.Extensions.Logging;
using Serverless.Mail.Spam.Signals;

namespace Serverless.Mail.Spam;

/// <summary>
/// One score for a message from the internet: the connection signals started at MAIL FROM
/// (<see cref="StartConnectionChecks"/>: DNS blocklists, reverse DNS, HELO) plus the message signals
/// (From: domain blocklists, SPF/DKIM/DMARC/ARC, the sender's reputation, the content classifier's
/// band, Rspamd when configured), summed. Each recipient tenant then decides by its own settings
/// (<see cref="SpamSettingsStore"/>): a block-listed sender (envelope or From:) is refused; an
/// allow-listed one — envelope sender with SPF pass, or From: with DMARC pass, so nobody can claim to be
/// on the list — is delivered whatever the score; otherwise the score against the tenant's
/// thresholds. Every verdict also feeds the reputation of its authenticated domain.
/// </summary>
public sealed partial class SpamScorer(SpamOptions options, IEnumerable<IConnectionSignal> connectionSignals, IEnumerable<IMessageSignal> messageSignals,
    SpamSettingsStore settings, SenderReputation reputation, ILogger<SpamScorer> logger)
{
    private static readonly TimeSpan ConnectionDeadline = TimeSpan.FromSeconds(20);
    private readonly IReadOnlyList<IConnectionSignal> _connection = connectionSignals.ToList();
    private readonly IReadOnlyList<IMessageSignal> _message = messageSignals.ToList();

    public bool Enabled => options.Enabled;

    public SpamOptions Options => options;

    /// <summary>Starts the connection signals (at MAIL FROM, so DATA's reply waits for nothing new); never faults.</summary>
    public Task<IReadOnlyList<SpamTest>> StartConnectionChecks(SpamConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return Task.Run(async () =>
        {
            using var deadline = new CancellationTokenSource(ConnectionDeadline);
            return await RunAsync(_connection.Select(s => Safe(() => s.CheckAsync(connection, deadline.Token)))).ConfigureAwait(false);
        });
    }

    public async Task<SpamVerdict> ScoreAsync(SpamSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var early = subject.ConnectionTests ?? StartConnectionChecks(subject.Connection);
        var late = RunAsync(_message.Select(s => Safe(() => s.CheckAsync(subject, cancellationToken))));
        var tests = (await early.ConfigureAwait(false)).Concat(await late.ConfigureAwait(false)).ToList();
        var score = Math.Round(tests.Sum(t => t.Score), 2);

        var tenants = new Dictionary<string, SpamAction>(StringComparer.Ordinal);
        double? required = null;
        var spam = false;
        foreach (var tenant in subject.Recipients.Select(r => r.TenantId).Distinct(StringComparer.Ordinal))
        {
            var own = await SettingsAsync(tenant, cancellationToken).ConfigureAwait(false);
            var junkScore = own.JunkScore ?? options.JunkScore;
            var action = Decide(subject, own, score, junkScore, own.RejectScore ?? options.RejectScore);
            tenants[tenant] = action;
            if (required is null)
            {
                required = junkScore;
                spam = action != SpamAction.Deliver;
            }
        }
        if (ReputationSignal.Domain(subject) is { } domain)
        {
            // The verdict without the reputation's own part, so a domain's standing cannot feed on itself.
            var own = score - tests.Where(t => t.Name.StartsWith("REPUTATION_", StringComparison.Ordinal)).Sum(t => t.Score);
            reputation.Record(domain, own >= options.JunkScore);
        }
        var verdict = new SpamVerdict(score, required ?? options.JunkScore, tests, tenants) { Spam = spam };
        if (logger.IsEnabled(LogLevel.Information))
        {
            // The lists are joined only for a log that is written: every message passes here.
            LogVerdict(subject.QueueId, score, string.Join(',', tests.Select(t => t.Name)), string.Join(',', tenants.Select(t => t.Key + "=" + t.Value)));
        }
        return verdict;
    }

    private static SpamAction Decide(SpamSubject subject, SpamSettings own, double score, double junkScore, double rejectScore)
    {
        var mailFrom = subject.Connection.MailFrom;
        var from = subject.Message?.From.Mailboxes.FirstOrDefault()?.Address;
        if (SpamSettings.Lists(own.Block, mailFrom) || SpamSettings.Lists(own.Block, from))
        {
            return SpamAction.Reject;
        }
        var auth = subject.Authentication;
        var allowed = (auth?.Spf == Delivery.Authentication.SpfResult.Pass && SpamSettings.Lists(own.Allow, mailFrom))
            || (auth?.Dmarc.Result == "pass" && SpamSettings.Lists(own.Allow, from));
        if (allowed)
        {
            return SpamAction.Deliver;
        }
        return score >= rejectScore ? SpamAction.Reject : score >= junkScore ? SpamAction.Junk : SpamAction.Deliver;
    }

    private async Task<SpamSettings> SettingsAsync(string tenant, CancellationToken cancellationToken)
    {
        try
        {
            return await settings.GetCachedAsync(tenant, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Storage trouble must not refuse mail: the service's thresholds, no lists.
            LogSettingsFailed(tenant, e.Message);
            return SpamSettings.Default;
        }
    }

    private async Task<IReadOnlyList<SpamTest>> Safe(Func<Task<IReadOnlyList<SpamTest>>> signal)
    {
        try
        {
            return await signal().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogSignalFailed(e.Message);
            return [];
        }
    }

    private static async Task<IReadOnlyList<SpamTest>> RunAsync(IEnumerable<Task<IReadOnlyList<SpamTest>>> running) =>
        (await Task.WhenAll(running).ConfigureAwait(false)).SelectMany(t => t).ToList();

    [LoggerMessage(Level = LogLevel.Information, Message = "Spam score of {QueueId}: {Score} ({Tests}); {Tenants}")]
    private partial void LogVerdict(string? queueId, double score, string tests, string tenants);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A spam signal failed and counts as none: {Reason}")]
    private partial void LogSignalFailed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spam settings of tenant {Tenant} unreadable, defaults used: {Reason}")]
    private partial void LogSettingsFailed(string tenant, string reason);
}
