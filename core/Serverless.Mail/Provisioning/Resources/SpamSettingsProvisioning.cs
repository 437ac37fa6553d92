using Serverless.Mail.Accounts;
using Serverless.Mail.Provisioning.Requests;
using Serverless.Mail.Spam;

namespace Serverless.Mail.Provisioning.Resources;

/// <summary>
/// A tenant's spam settings (<see cref="SpamSettingsStore"/>): thresholds and allow/block lists. A PUT
/// replaces them whole; a threshold left out (null) follows the service's default. The effective
/// thresholds come back with them, so a caller sees what applies.
/// </summary>
public sealed class SpamSettingsProvisioning(MailDirectory directory, SpamSettingsStore store, SpamOptions options)
{
    public async Task<ProvisioningOutcome<SpamSettingsView>> GetAsync(string tenant, CancellationToken cancellationToken)
    {
        if (await directory.GetTenantAsync(tenant, cancellationToken) is null)
        {
            return NotFound(tenant);
        }
        return View(await store.ReadAsync(tenant, cancellationToken) ?? SpamSettings.Default);
    }

    public async Task<ProvisioningOutcome<SpamSettingsView>> PutAsync(string tenant, SetSpamSettings request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (await directory.GetTenantAsync(tenant, cancellationToken) is null)
        {
            return NotFound(tenant);
        }
        var errors = new List<FieldError>();
        var allow = Entries("allow", request.Allow, errors);
        var block = Entries("block", request.Block, errors);
        var junk = request.JunkScore ?? options.JunkScore;
        var reject = request.RejectScore ?? options.RejectScore;
        if (junk > reject)
        {
            errors.Add(new FieldError(request.JunkScore is null ? "rejectScore" : "junkScore", $"the junk score ({junk}) must not be above the reject score ({reject})."));
        }
        foreach (var (field, value) in new[] { ("junkScore", request.JunkScore), ("rejectScore", request.RejectScore) })
        {
            if (value is { } v && (double.IsNaN(v) || double.IsInfinity(v) || Math.Abs(v) > 1000))
            {
                errors.Add(new FieldError(field, "must be a number between -1000 and 1000."));
            }
        }
        if (errors.Count > 0)
        {
            return ProvisioningError.Invalid(errors);
        }
        var settings = new SpamSettings(request.JunkScore, request.RejectScore, allow, block);
        await store.WriteAsync(tenant, settings, cancellationToken);
        return View(settings);
    }

    private SpamSettingsView View(SpamSettings s) =>
        new(s.JunkScore, s.RejectScore, s.JunkScore ?? options.JunkScore, s.RejectScore ?? options.RejectScore, s.Allow, s.Block);

    private static List<string> Entries(string field, IReadOnlyList<string> given, List<FieldError> errors)
    {
        var entries = new List<string>();
        for (var i = 0; i < given.Count; i++)
        {
            if (!SpamSettingsStore.TryNormalizeEntry(given[i], out var entry))
            {
                errors.Add(new FieldError($"{field}[{i}]", "must be an address (user@example.com) or a domain (example.com)."));
            }
            else if (!entries.Contains(entry))
            {
                entries.Add(entry);
            }
        }
        if (entries.Count > SpamSettingsStore.MaxListEntries || entries.Sum(e => e.Length + 1) > SpamSettingsStore.MaxListCharacters)
        {
            errors.Add(new FieldError(field, $"holds at most {SpamSettingsStore.MaxListEntries} entries and {SpamSettingsStore.MaxListCharacters} characters."));
        }
        return entries;
    }

    private static ProvisioningError NotFound(string tenant) => ProvisioningError.NotFound($"Tenant '{tenant}' not found.");
}

/// <summary>A tenant's spam settings as the API shows them: what it set (null = the default) and what applies.</summary>
public sealed record SpamSettingsView(double? JunkScore, double? RejectScore, double EffectiveJunkScore, double EffectiveRejectScore,
    IReadOnlyList<string> Allow, IReadOnlyList<string> Block);
