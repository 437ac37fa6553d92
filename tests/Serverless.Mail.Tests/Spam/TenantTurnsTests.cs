using Serverless.Mail.Spam.Learning;
using Xunit;

namespace Serverless.Mail.Tests.Spam;

/// <summary>The learner's per-tenant turns: one at a time, first come first served, other tenants never wait, nothing kept after.</summary>
public sealed class TenantTurnsTests
{
    [Fact]
    public async Task Turns_of_a_tenant_come_in_the_order_asked_while_another_tenant_goes_at_once()
    {
        var turns = new TenantTurns();
        var first = await turns.WaitAsync("acme", CancellationToken.None);
        var order = new List<int>();
        var waiting = Enumerable.Range(1, 5).Select(async i =>
        {
            using (await turns.WaitAsync("acme", CancellationToken.None))
            {
                lock (order)
                {
                    order.Add(i);
                }
            }
        }).ToList();
        Assert.All(waiting, t => Assert.False(t.IsCompleted));

        // Another tenant is not held up by acme's queue.
        using (await turns.WaitAsync("globex", CancellationToken.None))
        {
            Assert.Equal(2, turns.Active);
        }

        first.Dispose();
        await Task.WhenAll(waiting);
        Assert.Equal([1, 2, 3, 4, 5], order);
        Assert.Equal(0, turns.Active);
    }

    [Fact]
    public async Task A_wait_given_up_leaves_no_turn_behind()
    {
        var turns = new TenantTurns();
        var held = await turns.WaitAsync("acme", CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var given = turns.WaitAsync("acme", cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => given);
        held.Dispose();
        Assert.Equal(0, turns.Active);
        using (await turns.WaitAsync("acme", CancellationToken.None))
        {
            Assert.Equal(1, turns.Active);
        }
    }
}
