using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.Functions.Http.Api;
using Serverless.Mail.Migration;
using Serverless.Mail.Migration.Files;
using Serverless.Mail.Provisioning;

namespace Serverless.Functions.Http.Provisioning;

/// <summary>Imports and exports over HTTP (<see cref="MailboxImports"/>, <see cref="MailboxExport"/>).</summary>
public sealed class ImportRequests(ApiGate gate, MailboxImports imports, MailboxExport export)
{
    public Task<IActionResult> StartAsync(HttpRequest request, string tenant, string address) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var mediaType = request.ContentType?.Split(';', 2)[0].Trim().ToLowerInvariant();
        ProvisioningOutcome<ImportView> outcome;
        if (mediaType is "application/mbox" or "application/zip")
        {
            var format = MboxFormat.Mboxrd;
            if (Parameter(request.ContentType, "format") is { } f)
            {
                format = f.ToLowerInvariant() switch
                {
                    "mboxrd" => MboxFormat.Mboxrd,
                    "mboxo" => MboxFormat.Mboxo,
                    _ => throw new ApiProblemException(ApiProblem.Invalid("format", "must be mboxrd or mboxo (a Content-Type parameter).")),
                };
            }
            outcome = await imports.StartFileAsync(call.Tenant, address, mediaType == "application/mbox" ? ImportKinds.Mbox : ImportKinds.Maildir, format,
                QueryParameters.Text(request, "folder"), request.Body, call.Cancellation);
        }
        else
        {
            var body = await RequestBody.ReadAsync(request, ProvisioningSchemas.StartImport, call.Cancellation);
            var folders = body.GetStrings("folders");
            outcome = await imports.StartImapAsync(call.Tenant, address, new ImapImportRequest(body.GetString("host")!, (int)(body.GetInt64("port") ?? 993),
                body.GetString("security") ?? ImapSourceConnection.Ssl, body.GetString("username")!, body.GetString("password")!, folders), call.Cancellation);
        }
        var result = outcome.Accepted();
        return outcome.Value is { } view
            ? result.WithHeader("Location", $"/api/tenants/{Uri.EscapeDataString(call.Tenant)}/mailboxes/{Uri.EscapeDataString(view.Mailbox)}/imports/{view.Id}")
            : result;
    });

    public Task<IActionResult> GetAsync(HttpRequest request, string tenant, string address, string id) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
        (await imports.GetAsync(call.Tenant, address, id, call.Cancellation)).Ok());

    public Task<IActionResult> CancelAsync(HttpRequest request, string tenant, string address, string id) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
        (await imports.CancelAsync(call.Tenant, address, id, call.Cancellation)).Ok());

    public Task<IActionResult> ExportAsync(HttpRequest request, string tenant, string address) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var outcome = await export.PrepareAsync(call.Tenant, address, QueryParameters.Text(request, "format") ?? "mbox", QueryParameters.Text(request, "folder"),
            call.Cancellation);
        return outcome.Error is { } error ? ApiProblem.From(error) : ApiResult.Stream(outcome.Value!.ContentType, outcome.Value.FileName, outcome.Value.WriteAsync);
    });

    /// <summary>A parameter of a media type (<c>application/mbox; format=mboxo</c>), or null.</summary>
    private static string? Parameter(string? contentType, string name) =>
        contentType?.Split(';').Skip(1).Select(p => p.Split('=', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            .Select(p => p[1].Trim().Trim('"')).FirstOrDefault();
}
