using System.Net;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Listeners.Tests.Infrastructure;
using Serverless.Mail.Security.Acme;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Xunit;

namespace Serverless.Listeners.Tests.Acme;

/// <summary>The parts of ACME that hold across replicas: the HTTP-01 answer comes from storage, and one replica orders at a time.</summary>
public sealed class AcmeChallengeTests
{
    /// <summary>Nothing listens there: an order that starts fails at once.</summary>
    private const string NoServer = "https://127.0.0.1:9/dir";

    [Fact]
    public async Task Any_replica_answers_a_challenge_another_replica_published()
    {
        var prefix = TestStorage.NewPrefix();
        var httpPort = AzuriteProcess.FreePort();
        await using var listener = await ListenerHost.StartAsync(new Dictionary<string, string?>
        {
            ["Mail:Acme:DirectoryUrl"] = NoServer,
            ["Mail:Listeners:Ports:Http"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, prefix);
        await using var orderingReplica = await TestStorage.CreateServicesAsync(prefix);
        var published = new AcmeChallengeStore(orderingReplica.GetRequiredService<MailStorage>());
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };

        await published.PublishAsync("tok-EN_123", "tok-EN_123.thumbprint", CancellationToken.None);
        using (var answer = await http.GetAsync(new Uri("/.well-known/acme-challenge/tok-EN_123", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal("tok-EN_123.thumbprint", await answer.Content.ReadAsStringAsync());
        }

        await published.RemoveAsync("tok-EN_123", CancellationToken.None);
        using (var gone = await http.GetAsync(new Uri("/.well-known/acme-challenge/tok-EN_123", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }
        // Only a token's alphabet is looked up: no other blob of the keys container is reachable.
        using var outside = await http.GetAsync(new Uri("/.well-known/acme-challenge/..%2Faccount.pem", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, outside.StatusCode);
    }

    [Fact]
    public async Task A_replica_does_not_order_while_another_holds_the_renewal_lease()
    {
        await using var services = await TestStorage.CreateServicesAsync();
        var storage = services.GetRequiredService<MailStorage>();
        var store = new BlobAcmeCertificateStore(storage);
        var renewal = new AcmeRenewal(storage, new AcmeOptions { DirectoryUrl = NoServer }, store, new AcmeChallengeStore(storage), NullLogger<AcmeRenewal>.Instance);

        var lockBlob = storage.Keys.GetBlobClient("acme/renewal.lock");
        await lockBlob.UploadAsync(BinaryData.FromString(""));
        var otherReplica = lockBlob.GetBlobLeaseClient();
        await otherReplica.AcquireAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(AcmeRenewalOutcome.Busy, await renewal.RenewIfDueAsync(["mx.example.test"], CancellationToken.None));
        Assert.Null(await store.NotAfterAsync(CancellationToken.None));

        // Once it is released this replica orders (and fails here: there is no ACME server).
        await otherReplica.ReleaseAsync();
        await Assert.ThrowsAsync<HttpRequestException>(() => renewal.RenewIfDueAsync(["mx.example.test"], CancellationToken.None));
    }
}
