using System.Text;
using Serverless.Testing;

namespace Serverless.Reliability.Tests.Infrastructure;

/// <summary>What a trap does to the connection whose request matched.</summary>
public enum TrapMode
{
    /// <summary>The request never reaches storage (nothing from that point on is forwarded).</summary>
    HoldRequest,

    /// <summary>The request reaches storage and takes effect; its response never comes back.</summary>
    HoldResponse,
}

/// <summary>
/// TCP forwarders in front of an Azurite's blob, queue and table endpoints, for fault tests: a
/// trap catches the first request whose bytes contain a pattern (e.g. a Table batch, a Put Blob)
/// and holds that connection at the chosen point, so a test can kill a process exactly there;
/// <see cref="Cut"/> makes storage unreachable and <see cref="Restore"/> brings it back.
/// The forwarding is <see cref="StorageOutageProxy"/>'s; the traps are its relays.
/// </summary>
public sealed class StorageTap : IAsyncDisposable
{
    private readonly Dictionary<string, Endpoint> _endpoints = new(StringComparer.Ordinal);
    private StorageOutageProxy _proxy = null!;

    private StorageTap()
    {
    }

    /// <summary>The connection string that goes through the tap.</summary>
    public string ConnectionString => _proxy.ConnectionString;

    public static StorageTap Start(string target)
    {
        var tap = new StorageTap();
        foreach (var name in new[] { "BlobEndpoint", "QueueEndpoint", "TableEndpoint" })
        {
            tap._endpoints[name] = new Endpoint();
        }
        tap._proxy = StorageOutageProxy.Start(target, name => new TrapRelay(tap._endpoints[name]));
        return tap;
    }

    /// <summary>
    /// Arms a one-shot trap on the endpoint (<c>BlobEndpoint</c>, <c>QueueEndpoint</c>, <c>TableEndpoint</c>):
    /// the returned task completes when a request containing <paramref name="pattern"/> was caught.
    /// </summary>
    public Task Arm(string endpoint, string pattern, TrapMode mode)
    {
        var trap = new Trap(Encoding.ASCII.GetBytes(pattern), mode);
        _endpoints[endpoint].Trap = trap;
        return trap.Caught.Task;
    }

    public void Cut() => _proxy.Cut();

    public void Restore() => _proxy.Restore();

    public ValueTask DisposeAsync() => _proxy.DisposeAsync();

    private sealed class Trap(byte[] pattern, TrapMode mode)
    {
        public byte[] Pattern { get; } = pattern;

        public TrapMode Mode { get; } = mode;

        public TaskCompletionSource Caught { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The armed trap of one endpoint, shared by its connections; the first match disarms it.</summary>
    private sealed class Endpoint
    {
        public Trap? Trap;
    }

    private sealed class TrapRelay(Endpoint endpoint) : StorageRelay
    {
        private volatile bool _active;
        private volatile Trap? _responses;

        public override bool Held => _active;

        public override bool PassesResponseEnd => _responses is null;

        public override async Task RequestAsync(ReadOnlyMemory<byte> chunk, CancellationToken stopping)
        {
            if (!_active && endpoint.Trap is { } trap && chunk.Span.IndexOf(trap.Pattern) >= 0
                && Interlocked.CompareExchange(ref endpoint.Trap, null, trap) == trap)
            {
                _active = true;
                if (trap.Mode == TrapMode.HoldRequest)
                {
                    trap.Caught.TrySetResult();
                    await Task.Delay(Timeout.Infinite, stopping);
                }
                // Caught once storage has answered (the request took effect), not when it was sent.
                _responses = trap;
            }
        }

        public override bool PassesResponse(ReadOnlyMemory<byte> chunk)
        {
            if (_responses is { } trap)
            {
                trap.Caught.TrySetResult();
                return false; // swallowed: the caller never learns the outcome
            }
            return true;
        }
    }
}
