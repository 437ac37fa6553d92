namespace Serverless.Mail.Spam.Learning;

/// <summary>
/// One turn at a time per tenant, first come first served (<see cref="SemaphoreSlim"/> queues its
/// asynchronous waiters in order). An entry lives while someone holds or waits for it, so a
/// process that learns for many tenants keeps no lock per tenant it ever saw.
/// </summary>
internal sealed class TenantTurns
{
    private readonly Dictionary<string, (SemaphoreSlim Gate, int Users)> _gates = new(StringComparer.Ordinal);

    public async Task<IDisposable> WaitAsync(string tenantId, CancellationToken cancellationToken)
    {
        SemaphoreSlim gate;
        lock (_gates)
        {
            var (existing, users) = _gates.TryGetValue(tenantId, out var e) ? e : (new SemaphoreSlim(1, 1), 0);
            _gates[tenantId] = (existing, users + 1);
            gate = existing;
        }
        try
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Leave(tenantId, release: false);
            throw;
        }
        return new Turn(this, tenantId);
    }

    /// <summary>Tenants with a turn held or awaited (for tests: none once all are done).</summary>
    public int Active
    {
        get
        {
            lock (_gates)
            {
                return _gates.Count;
            }
        }
    }

    private void Leave(string tenantId, bool release)
    {
        lock (_gates)
        {
            var (gate, users) = _gates[tenantId];
            if (release)
            {
                gate.Release();
            }
            if (users == 1)
            {
                _gates.Remove(tenantId);
                gate.Dispose();
            }
            else
            {
                _gates[tenantId] = (gate, users - 1);
            }
        }
    }

    private sealed class Turn(TenantTurns owner, string tenantId) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                owner.Leave(tenantId, release: true);
            }
        }
    }
}
