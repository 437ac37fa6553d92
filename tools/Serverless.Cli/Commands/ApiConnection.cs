using System.Net;

namespace Serverless.Cli.Commands;

/// <summary>
/// Where the API is and which key to send: <c>--api</c>/<c>--key</c>, else <c>MAIL_API_URL</c>/<c>MAIL_API_KEY</c>,
/// else the local dev host and the admin key ./run.sh keeps in <c>.data/admin-key</c> — that file only
/// for an API on this machine, so a development key is never sent anywhere else.
/// </summary>
public static class ApiConnection
{
    public const string UrlVariable = "MAIL_API_URL";
    public const string KeyVariable = "MAIL_API_KEY";
    public const string TenantVariable = "MAIL_TENANT";
    public const string LocalUrl = "http://127.0.0.1:7071";

    public static (Uri Api, string Key) Resolve(string? api, string? key, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var url = First(api, context.Environment(UrlVariable)) ?? LocalUrl;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new UsageException($"--api: '{url}' is not an http(s) URL.");
        }
        var resolved = First(key, context.Environment(KeyVariable)) ?? LocalAdminKey(uri, context)
            ?? throw new UsageException($"No API key: pass --key or set {KeyVariable} (./run.sh keeps its admin key in .data/admin-key).");
        return (uri, resolved);
    }

    private static string? LocalAdminKey(Uri api, CliContext context)
    {
        if (!IsThisMachine(api))
        {
            return null;
        }
        var file = Path.Combine(context.WorkingDirectory, ".data", "admin-key");
        return File.Exists(file) ? First(File.ReadAllText(file).Trim()) : null;
    }

    private static bool IsThisMachine(Uri api) =>
        api.IsLoopback || (IPAddress.TryParse(api.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    private static string? First(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();
}
