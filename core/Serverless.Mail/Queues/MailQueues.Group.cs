using System.Text;
using System.Text.Json;

namespace Serverless.Mail.Queues;

/// <summary>
/// Group commit for the inbound hand-off. A queue put is the largest storage cost of an accepted
/// message, so SMTP sessions of one process whose DATA completes together share one: each joins a
/// waiting list, and whoever holds the send gate takes everything waiting and puts it as one queue
/// message <c>{"v":1,"group":[{hand-off},…]}</c> (as many as fit in <see cref="MaxMessageJsonBytes"/>;
/// more make more messages, sent side by side). Each session returns only once the put carrying its
/// own hand-off succeeded — the 250 contract (blob committed → hand-off durably queued → 250) holds
/// per hand-off — and a failed put fails exactly the hand-offs it carried. A hand-off waiting alone
/// goes out in the single format, as before; one too large for a queue message goes alone, spilled.
/// The ingest files each member on its own (<see cref="GroupOf"/>); docs/storage.md has the format.
/// </summary>
public sealed partial class MailQueues
{
    /// <summary>The start of a group message as this producer writes it; <see cref="GroupOf"/> also reads other spellings.</summary>
    private static readonly byte[] GroupPrefix = "{\"v\":1,\"group\":["u8.ToArray();

    private static readonly byte[] GroupSuffix = "]}"u8.ToArray();

    /// <summary>One send at a time: while it is under way the next sessions gather, and then go out together.</summary>
    private readonly SemaphoreSlim _inboundGate = new(1, 1);

    private readonly List<WaitingHandoff> _inboundWaiting = [];

    /// <summary>Sessions storing a blob whose hand-off follows (<see cref="ExpectInbound"/>); guarded by <see cref="_inboundWaiting"/>.</summary>
    private int _inboundComing;

    /// <summary>Completed (and replaced) whenever a hand-off joins the waiting list or an expected one is called off.</summary>
    private TaskCompletionSource _inboundChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// <c>Mail:Queues:GroupLinger</c>: how long a send may wait for hand-offs of sessions that are
    /// storing their blob right now (<see cref="ExpectInbound"/>), so they share its queue message
    /// instead of taking the next one. Only then: with nobody on the way a send leaves at once.
    /// </summary>
    public TimeSpan GroupLinger { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// A session is about to store a message for local recipients: its hand-off will follow unless
    /// the store fails. A send under way meanwhile may wait for it (up to <see cref="GroupLinger"/>).
    /// Dispose once the hand-off was sent or will not come; joining the waiting list ends it too.
    /// Null when hand-offs are not grouped (<see cref="GroupInbound"/> off): nobody waits for them.
    /// </summary>
    public InboundExpectation? ExpectInbound()
    {
        if (!GroupInbound)
        {
            return null;
        }
        lock (_inboundWaiting)
        {
            _inboundComing++;
        }
        return new InboundExpectation(this);
    }

    /// <summary>Hand-offs announced and not yet joined or called off (<see cref="ExpectInbound"/>): a send lingers only while this is above 0 (for tests).</summary>
    internal int InboundExpected
    {
        get
        {
            lock (_inboundWaiting)
            {
                return _inboundComing;
            }
        }
    }

    /// <summary>One session's hand-off on the way (<see cref="ExpectInbound"/>).</summary>
    public sealed class InboundExpectation(MailQueues queues) : IDisposable
    {
        private bool _ended;

        /// <summary>Ends the expectation; the caller holds the waiting list's lock.</summary>
        internal void EndLocked()
        {
            if (!_ended)
            {
                _ended = true;
                queues._inboundComing--;
                queues.SignalLocked();
            }
        }

        public void Dispose()
        {
            lock (queues._inboundWaiting)
            {
                EndLocked();
            }
        }
    }

    private void SignalLocked()
    {
        var changed = _inboundChanged;
        _inboundChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    public void Dispose() => _inboundGate.Dispose();

    /// <summary>Holds the send gate, as a send under way does: hand-offs sent meanwhile wait and then go out together (for tests).</summary>
    internal async Task<IDisposable> HoldInboundSendsAsync()
    {
        await _inboundGate.WaitAsync().ConfigureAwait(false);
        return new GateRelease(_inboundGate);
    }

    private sealed class GateRelease(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }

    /// <summary>Whether <see cref="SendInboundGroupedAsync"/> groups at all (<c>Mail:Queues:GroupInboundHandoffs</c>, default true).</summary>
    public bool GroupInbound { get; init; }

    private sealed class WaitingHandoff(string id, byte[] json)
    {
        public string Id { get; } = id;

        public byte[] Json { get; } = json;

        public TaskCompletionSource Queued { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>How many hand-offs this process put on the inbound queue by <see cref="SendInboundGroupedAsync"/>, and in how many queue messages.</summary>
    public static (long Handoffs, long Messages) InboundGrouping => (Interlocked.Read(ref s_groupedHandoffs), Interlocked.Read(ref s_groupMessages));

    private static long s_groupedHandoffs;
    private static long s_groupMessages;
    private static long s_groupBytes;
    private static long s_groupsFull;
    private static long s_handoffsLeftOver;

    /// <summary>
    /// What limited the groups (for the bench): the JSON bytes of the queue messages sent by
    /// <see cref="SendInboundGroupedAsync"/>; how many times a group was closed because the next
    /// waiting hand-off did not fit <see cref="MaxMessageJsonBytes"/> (the byte cap, not the number of
    /// sessions, ended it); and how many hand-offs went in such a second queue message.
    /// </summary>
    public static (long Bytes, long ClosedFull, long LeftOver) InboundGroupLimits =>
        (Interlocked.Read(ref s_groupBytes), Interlocked.Read(ref s_groupsFull), Interlocked.Read(ref s_handoffsLeftOver));

    /// <summary>
    /// Puts a hand-off on the inbound queue together with the others of this process waiting at the
    /// same time; returns once the queue message that carries it was put. Throws when that put failed
    /// (then none of the hand-offs it carried is queued).
    /// </summary>
    internal async Task SendInboundGroupedAsync(string id, byte[] handoffJson, CancellationToken cancellationToken, InboundExpectation? expected = null)
    {
        if (!GroupInbound || handoffJson.Length + GroupPrefix.Length + GroupSuffix.Length > MaxMessageJsonBytes)
        {
            expected?.Dispose(); // goes alone: nobody should wait for it
            await SendInboundAsync(id, handoffJson, cancellationToken).ConfigureAwait(false); // spilled, or just fits alone
            return;
        }
        var waiting = new WaitingHandoff(id, handoffJson);
        lock (_inboundWaiting)
        {
            _inboundWaiting.Add(waiting);
            expected?.EndLocked();
            SignalLocked();
        }
        var token = cancellationToken;
        while (!waiting.Queued.Task.IsCompleted)
        {
            try
            {
                await _inboundGate.WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                lock (_inboundWaiting)
                {
                    if (_inboundWaiting.Remove(waiting))
                    {
                        throw; // not taken: nothing was queued for it
                    }
                }
                // Taken by another session's send: its outcome decides, so wait for it whatever happens.
                token = CancellationToken.None;
                continue;
            }
            try
            {
                if (!waiting.Queued.Task.IsCompleted)
                {
                    await SendWaitingAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                _inboundGate.Release();
            }
        }
        await waiting.Queued.Task.ConfigureAwait(false);
    }

    /// <summary>Takes every waiting hand-off and puts them in as few queue messages as fit, side by side.</summary>
    private async Task SendWaitingAsync()
    {
        // Sessions storing their blob now would otherwise take the next queue message each: wait for
        // them a little (never longer than GroupLinger, never when nobody is on the way).
        var linger = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            Task changed;
            lock (_inboundWaiting)
            {
                if (_inboundComing == 0)
                {
                    break;
                }
                changed = _inboundChanged.Task;
            }
            var left = GroupLinger - linger.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                break;
            }
            await Task.WhenAny(changed, Task.Delay(left)).ConfigureAwait(false);
        }
        List<WaitingHandoff> taken;
        lock (_inboundWaiting)
        {
            taken = [.. _inboundWaiting];
            _inboundWaiting.Clear();
        }
        var groups = new List<List<WaitingHandoff>>();
        var size = 0;
        foreach (var w in taken)
        {
            var added = w.Json.Length + 1; // its comma
            if (groups.Count == 0 || size + added > MaxMessageJsonBytes)
            {
                if (groups.Count > 0)
                {
                    Interlocked.Increment(ref s_groupsFull);
                }
                groups.Add([]);
                size = GroupPrefix.Length + GroupSuffix.Length;
            }
            groups[^1].Add(w);
            size += added;
        }
        Interlocked.Add(ref s_handoffsLeftOver, taken.Count - groups[0].Count);
        // Not the sender's cancellation: the put carries other sessions' hand-offs (the SDK's own timeouts bound it).
        await Task.WhenAll(groups.Select(SendGroupAsync)).ConfigureAwait(false);
    }

    private async Task SendGroupAsync(List<WaitingHandoff> group)
    {
        try
        {
            if (group.Count == 1)
            {
                await SendInboundAsync(group[0].Id, group[0].Json, CancellationToken.None).ConfigureAwait(false);
                Interlocked.Add(ref s_groupBytes, group[0].Json.Length);
            }
            else
            {
                var json = GroupJson(group.Select(w => w.Json));
                Interlocked.Add(ref s_groupBytes, json.Length);
                await _inbound.SendMessageAsync(json, visibilityTimeout: null, timeToLive: TimeSpan.FromSeconds(-1), CancellationToken.None).ConfigureAwait(false);
                Queued?.Invoke(Storage.StorageNames.InboundQueue);
            }
        }
        catch (Exception e)
        {
            foreach (var w in group)
            {
                w.Queued.TrySetException(e);
            }
            return;
        }
        Interlocked.Add(ref s_groupedHandoffs, group.Count);
        Interlocked.Increment(ref s_groupMessages);
        foreach (var w in group)
        {
            w.Queued.TrySetResult();
        }
    }

    /// <summary>The queue message for several hand-offs' JSON: the members verbatim, so nothing is serialised twice.</summary>
    public static string GroupJson(IEnumerable<byte[]> handoffJson)
    {
        ArgumentNullException.ThrowIfNull(handoffJson);
        using var buffer = new MemoryStream();
        buffer.Write(GroupPrefix);
        var first = true;
        foreach (var json in handoffJson)
        {
            if (!first)
            {
                buffer.WriteByte((byte)',');
            }
            buffer.Write(json);
            first = false;
        }
        buffer.Write(GroupSuffix);
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>
    /// The members of a group queue message (each hand-off's JSON, verbatim), or null for a message
    /// that is not a group: a single hand-off (every message queued before groups existed) or a spill
    /// pointer. A member is not parsed here, so one that is malformed fails alone in the ingest.
    /// </summary>
    public static IReadOnlyList<string>? GroupOf(string queueMessage)
    {
        ArgumentNullException.ThrowIfNull(queueMessage);
        if (!queueMessage.Contains("\"group\"", StringComparison.Ordinal))
        {
            return null; // the usual single hand-off: no parse here
        }
        using var document = JsonDocument.Parse(queueMessage);
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("group", out var group) || group.ValueKind != JsonValueKind.Array)
        {
            return null;
        }
        if (!document.RootElement.TryGetProperty("v", out var v) || !v.TryGetInt32(out var version) || version != InboundHandoff.CurrentVersion)
        {
            throw new FormatException("Inbound hand-off group of an unknown version.");
        }
        return group.EnumerateArray().Select(m => m.GetRawText()).ToList();
    }

    /// <summary>
    /// Puts one member of a group back on the inbound queue as a message of its own (the single
    /// format), visible after <paramref name="delay"/>: the ingest's way to retry only the hand-off
    /// that failed. The member came out of a queue message, so it fits in one.
    /// </summary>
    public async Task RequeueInboundAsync(string handoffJson, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handoffJson);
        await _inbound.SendMessageAsync(handoffJson, delay > TimeSpan.Zero ? delay : null, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken).ConfigureAwait(false);
        if (delay <= TimeSpan.Zero)
        {
            Queued?.Invoke(Storage.StorageNames.InboundQueue);
        }
    }
}
