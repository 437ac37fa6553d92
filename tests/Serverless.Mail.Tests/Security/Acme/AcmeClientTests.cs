using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Serverless.Mail.Security.Acme;
using Xunit;

namespace Serverless.Mail.Tests.Security.Acme;

/// <summary>
/// The ACME exchange (RFC 8555) against <see cref="AcmeTestServer"/>, an in-process server that
/// checks every JWS and validates HTTP-01 by fetching the token over HTTP from the responder.
/// </summary>
public sealed class AcmeClientTests : IAsyncLifetime
{
    private AcmeTestServer _server = null!;
    private ChallengeSite _site = null!;

    public async Task InitializeAsync()
    {
        _server = await AcmeTestServer.StartAsync();
        _site = await ChallengeSite.StartAsync();
        _server.ValidationPort = _site.Port;
    }

    public async Task DisposeAsync()
    {
        await _site.DisposeAsync();
        await _server.DisposeAsync();
    }

    private AcmeClient Client(AcmeAccountKey key) => new(new HttpClient(), _server.Directory, key) { PollInterval = TimeSpan.FromMilliseconds(50) };

    [Fact]
    public async Task A_wrong_key_authorization_fails_the_order_and_says_why()
    {
        _site.Tamper = true;
        using var key = AcmeAccountKey.Create();
        var error = await Assert.ThrowsAsync<AcmeException>(() => Client(key).IssueAsync(["mail.example.com"], null, _site, CancellationToken.None));
        Assert.Contains("invalid", error.Message, StringComparison.Ordinal);
        Assert.Contains("incorrectResponse", error.Message, StringComparison.Ordinal);
        Assert.Empty(_site.Tokens);
    }

    [Fact]
    public void The_key_authorization_is_the_token_and_the_rfc_7638_thumbprint()
    {
        // RFC 7638 §3.1's example key is RSA; for EC the same rule applies: SHA-256 over
        // {"crv","kty","x","y"} in that order, no white space. Recomputed here independently.
        using var key = AcmeAccountKey.Create();
        var jwk = key.Jwk;
        var canonical = $"{{\"crv\":\"{jwk["crv"]}\",\"kty\":\"{jwk["kty"]}\",\"x\":\"{jwk["x"]}\",\"y\":\"{jwk["y"]}\"}}";
        var thumbprint = AcmeAccountKey.Base64Url(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(canonical)));
        Assert.Equal("token123." + thumbprint, key.KeyAuthorization("token123"));
        Assert.DoesNotContain('=', thumbprint);
    }

    /// <summary>A web site that serves HTTP-01 tokens the way the listeners' port 80 does (RFC 8555 §8.3).</summary>
    private sealed class ChallengeSite : IAcmeChallengeResponder, IAsyncDisposable
    {
        private readonly WebApplication _app;

        private ChallengeSite(WebApplication app) => _app = app;

        public ConcurrentDictionary<string, string> Tokens { get; } = new();

        public int Port { get; private set; }

        public int Served;

        public bool Tamper { get; set; }

        public static async Task<ChallengeSite> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            var site = new ChallengeSite(app);
            app.MapGet("/.well-known/acme-challenge/{token}", (string token) =>
            {
                Interlocked.Increment(ref site.Served);
                return site.Tokens.TryGetValue(token, out var value) ? Results.Text(site.Tamper ? value + "x" : value) : Results.NotFound();
            });
            await app.StartAsync();
            site.Port = new Uri(app.Urls.Single()).Port;
            return site;
        }

        public Task PublishAsync(string token, string keyAuthorization, CancellationToken cancellationToken)
        {
            Tokens[token] = keyAuthorization;
            return Task.CompletedTask;
        }

        public Task RemoveAsync(string token, CancellationToken cancellationToken)
        {
            Tokens.TryRemove(token, out _);
            return Task.CompletedTask;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
