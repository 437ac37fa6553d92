using System.Net;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Serverless.Mail.Accounts;
using Serverless.Mail.Provisioning;
using Serverless.Mail.Security;

namespace Serverless.Functions.Http.Api;

/// <summary>Who may call a route.</summary>
public enum ApiAccess
{
    /// <summary>Only the admin key. A tenant key gets 403, or 404 when the route names another tenant.</summary>
    Admin,

    /// <summary>The admin key, or a key of the tenant the route names (other tenants' keys get 404).</summary>
    TenantOrAdmin,
}

/// <summary>The authenticated caller: the admin, or one tenant.</summary>
public sealed record ApiCaller(bool IsAdmin, string? TenantId)
{
    public static readonly ApiCaller Admin = new(true, null);
}

/// <summary>What a handler gets: the caller, the request, and the tenant of the route (checked to exist and be reachable).</summary>
public sealed record ApiContext(ApiCaller Caller, HttpRequest Request, string? TenantId, CancellationToken Cancellation)
{
    /// <summary>The route's tenant; only for routes that have one.</summary>
    public string Tenant => TenantId ?? throw new InvalidOperationException("This route has no tenant.");
}

/// <summary>
/// The front door of every provisioning route: throttles failed authentications per client IP
/// (429 + Retry-After), authenticates the bearer key (admin key compared in constant time, tenant
/// keys by their stored hash), applies the tenant rules (another tenant's resources are 404, never
/// 403, so their existence does not leak), runs the handler and turns known failures into problem
/// responses.
/// </summary>
public sealed partial class ApiGate
{
    private readonly MailDirectory _directory;
    private readonly ProvisioningOptions _options;
    private readonly LoginThrottle _throttle;
    private readonly ILogger<ApiGate> _logger;
    private readonly byte[]? _adminKeyHash;

    public ApiGate(MailDirectory directory, ProvisioningOptions options, ILogger<ApiGate> logger, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _directory = directory;
        _options = options;
        _logger = logger;
        // A throttle of its own: API failures and mail-login failures are counted apart.
        _throttle = new LoginThrottle(new SecurityOptions
        {
            MaxFailuresPerIp = options.MaxFailedAuthPerIp,
            MaxFailuresPerAccount = int.MaxValue,
            FailureWindow = options.FailedAuthWindow,
        }, time);
        var refused = AdminKeyProblem(options.AdminApiKey);
        if (refused is not null)
        {
            LogAdminKeyRefused(refused); // once per process: the gate is a singleton
        }
        _adminKeyHash = string.IsNullOrEmpty(options.AdminApiKey) || refused is not null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(options.AdminApiKey));
    }

    /// <summary>The shortest admin key accepted (azd generates 48 characters, ./run.sh 32).</summary>
    public const int MinAdminKeyLength = 32;

    /// <summary>
    /// Why an admin key setting cannot be used, or null if it can (or is not set). A Key Vault
    /// reference the platform could not resolve arrives as its own text, which anyone can read in
    /// the template; a short key can be guessed. Either way no admin call is accepted with it.
    /// </summary>
    public static string? AdminKeyProblem(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return null;
        }
        if (key.TrimStart().StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase))
        {
            return "it is an unresolved Key Vault reference; check the function app's access to the vault and the secret's name";
        }
        return key.Length < MinAdminKeyLength ? $"it is shorter than {MinAdminKeyLength} characters" : null;
    }

    /// <summary>Authenticates, authorises for <paramref name="tenant"/> (null for routes without one) and runs the handler.</summary>
    public async Task<IActionResult> RunAsync(HttpRequest request, ApiAccess access, string? tenant, Func<ApiContext, Task<ApiResult>> handler)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(handler);
        var cancellationToken = request.HttpContext.RequestAborted;
        try
        {
            var caller = await AuthenticateAsync(request, cancellationToken).ConfigureAwait(false);
            await AuthorizeAsync(caller, access, tenant, cancellationToken).ConfigureAwait(false);
            return await handler(new ApiContext(caller, request, tenant, cancellationToken)).ConfigureAwait(false);
        }
        catch (ApiProblemException e)
        {
            return e.Problem;
        }
        catch (DirectoryConflictException e)
        {
            return ApiProblem.Conflict(e.Message);
        }
        catch (RequestFailedException e) when (e.Status == StatusCodes.Status412PreconditionFailed)
        {
            return ApiProblem.Conflict("The resource was changed by another request at the same time; read it again and retry.");
        }
        catch (Exception e) when (e is RequestFailedException or HttpRequestException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            LogStorageFailure(e, request.Method, request.Path);
            return ApiProblem.Status(StatusCodes.Status503ServiceUnavailable, "Storage is not answering; try again shortly.").WithHeader("Retry-After", "5");
        }
    }

    private async Task<ApiCaller> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        // No address at all still counts, in one bucket (the mail throttle would skip it).
        var ip = ClientIp(request) ?? "unknown";
        if (!_throttle.IsAllowed(ip, null))
        {
            throw new ApiProblemException(ApiProblem.TooManyRequests(_throttle.RetryAfter(ip, null)));
        }
        var presented = BearerToken(request);
        if (presented is null)
        {
            Fail(ip, "no bearer key");
            throw new ApiProblemException(ApiProblem.Unauthorized("Send 'Authorization: Bearer <key>' with the admin key or a tenant key."));
        }
        if (_adminKeyHash is not null && CryptographicOperations.FixedTimeEquals(_adminKeyHash, SHA256.HashData(Encoding.UTF8.GetBytes(presented))))
        {
            return ApiCaller.Admin;
        }
        var tenant = presented.Length <= 200 ? await _directory.VerifyApiKeyAsync(presented, cancellationToken).ConfigureAwait(false) : null;
        if (tenant is null)
        {
            Fail(ip, "unknown key");
            throw new ApiProblemException(ApiProblem.Unauthorized("The key is not valid."));
        }
        return new ApiCaller(false, tenant);
    }

    private async Task AuthorizeAsync(ApiCaller caller, ApiAccess access, string? tenant, CancellationToken cancellationToken)
    {
        if (tenant is not null && !caller.IsAdmin && caller.TenantId != tenant)
        {
            throw new ApiProblemException(TenantNotFound(tenant));
        }
        if (access == ApiAccess.Admin && !caller.IsAdmin)
        {
            throw new ApiProblemException(ApiProblem.Forbidden("This route needs the admin key."));
        }
        // A tenant key exists only while its tenant does (deleting a tenant deletes its keys);
        // the admin reaches any id, so check that it names a tenant.
        if (tenant is not null && caller.IsAdmin && await _directory.GetTenantAsync(tenant, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new ApiProblemException(TenantNotFound(tenant));
        }
    }

    private static ApiResult TenantNotFound(string tenant) => ApiProblem.NotFound($"Tenant '{tenant}' not found.");

    private void Fail(string? ip, string reason)
    {
        _throttle.RecordFailure(ip, null);
        LogAuthFailure(ip ?? "unknown", reason);
    }

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var token = header[scheme.Length..].Trim();
        return token.Length == 0 ? null : token;
    }

    /// <summary>
    /// The client's address: the peer address, or — when the peer is a proxy on this host
    /// (loopback) and a header is configured — the last entry of that header, the one the proxy
    /// added. A header from any other peer is ignored: on Azure Functions the worker has already
    /// replaced the peer address with the platform's last X-Forwarded-For entry, and what is left
    /// of the header is whatever the client sent.
    /// </summary>
    internal string? ClientIp(HttpRequest request)
    {
        var peer = request.HttpContext.Connection.RemoteIpAddress;
        if (!string.IsNullOrEmpty(_options.ClientIpHeader) && peer is not null && IPAddress.IsLoopback(peer))
        {
            var value = request.Headers[_options.ClientIpHeader].ToString();
            var last = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
            if (last is not null && TryParseHostPort(last, out var forwarded))
            {
                return forwarded.ToString();
            }
        }
        return peer?.ToString();
    }

    private static bool TryParseHostPort(string text, out IPAddress address)
    {
        if (IPAddress.TryParse(text, out address!))
        {
            return true;
        }
        // "203.0.113.7:51234" or "[2001:db8::1]:51234"
        if (IPEndPoint.TryParse(text, out var endPoint))
        {
            address = endPoint.Address;
            return true;
        }
        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provisioning API: failed authentication from {ClientIp} ({Reason})")]
    private partial void LogAuthFailure(string clientIp, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Provisioning API: the admin key setting (Mail:AdminApiKey) is refused, so every admin call gets 401: {Reason}")]
    private partial void LogAdminKeyRefused(string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Provisioning API: storage failed during {Method} {Path}")]
    private partial void LogStorageFailure(Exception e, string method, string path);
}
