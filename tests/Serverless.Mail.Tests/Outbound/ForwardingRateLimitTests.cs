using Serverless.Mail.Outbound;
using Xunit;

namespace Serverless.Mail.Tests.Outbound;

/// <summary>Forwards count against <c>Mail:Outbound:RateLimit:ForwardsPerHour</c>, never against the tenant's sending budget.</summary>
public sealed class ForwardingRateLimitTests
{
    private static string Raw(string to) => DeliveryFixture.Message("someone@remote.example", to, "Forwarded");

    [Fact]
    public async Task Forwards_use_their_own_limit_and_leave_the_sending_budget_alone()
    {
        await using var f = await RelayFixture.StartAsync(new Dictionary<string, string?>
        {
            ["Mail:Outbound:RateLimit:PerTenantPerHour"] = "2",
            ["Mail:Outbound:RateLimit:ForwardsPerHour"] = "3",
        });
        f.Dns.AddMx("remote.test", 10, "mx.remote.test");
        f.Dns.AddA("mx.remote.test", "127.0.0.26");
        await using var server = f.Smtp("127.0.0.26");

        // Three forwarded recipients: over the tenant's sending limit of 2, within the forwarding limit of 3.
        var forward = await f.SubmitAsync(Raw("a@remote.test"), "someone@remote.example", ["a@remote.test", "b@remote.test", "c@remote.test"],
            m => m with { ForwardedBy = "sender.test", AuthenticatedAs = null });
        await f.DrainAsync(TimeSpan.FromSeconds(0.3));
        Assert.True((await f.StateAsync(forward.Id))!.Done);

        // The users' own sending still has its whole budget.
        var own = await f.SubmitAsync(Raw("d@remote.test"), RelayFixture.Sender, ["d@remote.test", "e@remote.test"]);
        await f.DrainAsync(TimeSpan.FromSeconds(0.3));
        Assert.True((await f.StateAsync(own.Id))!.Done);

        // The fourth forwarded recipient this hour waits.
        var over = await f.SubmitAsync(Raw("f@remote.test"), "someone@remote.example", ["f@remote.test"],
            m => m with { ForwardedBy = "sender.test", AuthenticatedAs = null });
        await f.Relay.RelayAsync(over);
        var deferred = (await f.StateAsync(over.Id))!;
        Assert.False(deferred.Done);
        var r = Assert.Single(deferred.Recipients);
        Assert.Equal(("4.7.0", RecipientState.Pending), (r.Status, r.State));
        Assert.Contains("forwarding of tenant acme", r.Diagnostic, StringComparison.Ordinal);
        Assert.Equal(2, server.Messages.Count);
    }
}
