using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Serverless.Mail.Spam.Signals;

/// <summary>What Rspamd answered: its score, its action ("no action", "add header", "reject"…) and its symbols.</summary>
public sealed record RspamdResult(double Score, string Action, IReadOnlyDictionary<string, double> Symbols);

/// <summary>
/// Rspamd's HTTP protocol (https://rspamd.com/doc/developers/protocol.html): the message is POSTed to
/// <c>/checkv2</c> with the envelope in request headers (IP, Helo, From, Rcpt, Queue-Id, Hostname)
/// and the JSON reply's <c>score</c>, <c>action</c> and <c>symbols</c> are read. The score, times
/// <see cref="SpamOptions.RspamdWeight"/>, is the test <c>RSPAMD</c>. Rspamd is advice: no answer
/// within <see cref="SpamOptions.RspamdTimeout"/>, an error status or an unreadable reply is no
/// signal, never a refusal (its own "reject" action counts only through its score).
/// </summary>
public sealed partial class RspamdSignal : IMessageSignal
{
    public const string TestName = "RSPAMD";
    private readonly SpamOptions _options;
    private readonly ILogger<RspamdSignal> _logger;

    public RspamdSignal(SpamOptions options, ILogger<RspamdSignal> logger)
    {
        _options = options;
        _logger = logger;
    }

    public async Task<IReadOnlyList<SpamTest>> CheckAsync(SpamSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (_options.RspamdUrl is null || subject.Raw.IsEmpty)
        {
            return [];
        }
        var result = await AskAsync(subject, cancellationToken).ConfigureAwait(false);
        if (result is null)
        {
            return [];
        }
        LogAnswer(subject.QueueId, result.Score, result.Action, string.Join(',', result.Symbols.Keys));
        var score = Math.Round(result.Score * _options.RspamdWeight, 2);
        return score == 0 ? [] : [new SpamTest(TestName, score)];
    }

    /// <summary>Null when Rspamd did not answer usefully in time.</summary>
    public async Task<RspamdResult?> AskAsync(SpamSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.RspamdTimeout);
        try
        {
            var (status, body) = await RspamdHttp.PostAsync(_options.RspamdUrl!, "/checkv2", Headers(subject), subject.Raw, deadline.Token).ConfigureAwait(false);
            if (status != 200)
            {
                LogNoSignal(subject.QueueId, $"HTTP {status}");
                return null;
            }
            return Parse(body);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogNoSignal(subject.QueueId, "timed out");
            return null;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or JsonException or FormatException or InvalidOperationException)
        {
            LogNoSignal(subject.QueueId, e.Message);
            return null;
        }
    }

    /// <summary>Rspamd's request headers: one line per recipient (its protocol reads one address per Rcpt header).</summary>
    private List<(string Name, string Value)> Headers(SpamSubject subject)
    {
        var c = subject.Connection;
        var headers = new List<(string, string)>();
        if (c.Client is not null)
        {
            headers.Add(("IP", c.Client.ToString()));
        }
        if (!string.IsNullOrEmpty(c.Helo))
        {
            headers.Add(("Helo", c.Helo));
        }
        headers.Add(("From", c.MailFrom));
        headers.AddRange(subject.Recipients.Select(r => ("Rcpt", r.Address)));
        if (subject.QueueId is not null)
        {
            headers.Add(("Queue-Id", subject.QueueId));
        }
        if (!string.IsNullOrEmpty(_options.RspamdPassword))
        {
            headers.Add(("Password", _options.RspamdPassword));
        }
        return headers;
    }

    /// <summary>Reads the /checkv2 reply: <c>{"score": 5.2, "required_score": 15, "action": "add header", "symbols": {"NAME": {"score": 1.0, …}, …}}</c>.</summary>
    public static RspamdResult? Parse(ReadOnlySpan<byte> json)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("score", out var score) || score.ValueKind != JsonValueKind.Number)
        {
            return null;
        }
        var action = root.TryGetProperty("action", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : "no action";
        var symbols = new Dictionary<string, double>(StringComparer.Ordinal);
        if (root.TryGetProperty("symbols", out var list) && list.ValueKind == JsonValueKind.Object)
        {
            foreach (var symbol in list.EnumerateObject())
            {
                symbols[symbol.Name] = symbol.Value.ValueKind == JsonValueKind.Object && symbol.Value.TryGetProperty("score", out var s) && s.ValueKind == JsonValueKind.Number
                    ? s.GetDouble() : 0;
            }
        }
        return new RspamdResult(score.GetDouble(), action, symbols);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Rspamd on {QueueId}: score {Score}, action {Action}, symbols {Symbols}")]
    private partial void LogAnswer(string? queueId, double score, string action, string symbols);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rspamd gave no signal for {QueueId}: {Reason}")]
    private partial void LogNoSignal(string? queueId, string reason);
}
