using System.Text;
using Serverless.Mail.Accounts;
using Serverless.Mail.Provisioning.Validation;
using Serverless.Mail.Sieve;
using Serverless.Mail.Sieve.Scripts;

namespace Serverless.Mail.Provisioning.Resources;

/// <summary>A mailbox's managed vacation as the API shows it (<c>…/vacation</c>).</summary>
public sealed record VacationView(bool Enabled, string? Subject, string? Body, string? From, DateTimeOffset? Until, int Days)
{
    public static VacationView Of(VacationSettings v) => new(v.Enabled, v.Subject, v.Body, v.From, v.Until, v.Days);
}

/// <summary>PUT …/vacation: every field but <paramref name="Enabled"/> may be left out (days: 7).</summary>
public sealed record SetVacation(bool Enabled, string? Subject, string? Body, string? From, DateTimeOffset? Until, int? Days);

/// <summary>
/// The active Sieve script and the managed vacation of a mailbox, for admins and simple UIs (the
/// ManageSieve listener is the full interface). A script is compiled by the Sieve language's
/// <see cref="ISieveChecker"/> first; one that does not compile is refused with its line and reason
/// and never stored. The API's script is the active one: PUT replaces the active script's text
/// (creating and activating <see cref="ApiScriptName"/> when none is active).
/// </summary>
public sealed class SieveProvisioning(MailDirectory directory, SieveScripts scripts, SieveScriptSource activeScripts, ISieveChecker checker)
{
    /// <summary>The script PUT …/sieve creates when the mailbox has no active script.</summary>
    public const string ApiScriptName = "main";

    /// <summary>The active script's text, or null (with no error) when none is active.</summary>
    public async Task<ProvisioningOutcome<SieveScriptText>> GetScriptAsync(string tenant, string address, CancellationToken cancellationToken)
    {
        if (await FindAsync(tenant, address, cancellationToken) is not { } mailbox)
        {
            return NotFound(address);
        }
        var (name, text, _) = await scripts.ReadActiveAsync(mailbox.MailboxId, cancellationToken).ConfigureAwait(false);
        return new SieveScriptText(name, name is null ? null : text ?? "");
    }

    public async Task<ProvisioningOutcome<SieveScriptText>> PutScriptAsync(string tenant, string address, string script, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(script);
        if (await FindAsync(tenant, address, cancellationToken) is not { } mailbox)
        {
            return NotFound(address);
        }
        if (Encoding.UTF8.GetByteCount(script) > scripts.Options.EffectiveMaxScriptBytes)
        {
            return ProvisioningError.Invalid("script", $"is larger than the {scripts.Options.EffectiveMaxScriptBytes} octets a script may have.");
        }
        var check = checker.Check(script);
        if (!check.Valid)
        {
            return ProvisioningError.Invalid("script", check.Line > 0 ? $"line {check.Line}: {check.Reason}" : check.Reason ?? "does not compile.");
        }
        var (active, _, _) = await scripts.ReadActiveAsync(mailbox.MailboxId, cancellationToken).ConfigureAwait(false);
        var name = active ?? ApiScriptName;
        var change = await scripts.PutAsync(mailbox.MailboxId, name, script, cancellationToken).ConfigureAwait(false);
        if (change == SieveChange.Done && active is null)
        {
            change = await scripts.SetActiveAsync(mailbox.MailboxId, name, cancellationToken).ConfigureAwait(false);
        }
        activeScripts.Forget(mailbox.MailboxId);
        return change switch
        {
            SieveChange.Done => new SieveScriptText(name, script),
            SieveChange.TooManyScripts => ProvisioningError.Conflict($"The mailbox has {scripts.Options.MaxScripts} scripts, the most it may have; delete one over ManageSieve."),
            _ => ProvisioningError.Conflict("The script changed meanwhile; try again."),
        };
    }

    public async Task<ProvisioningOutcome<VacationView>> GetVacationAsync(string tenant, string address, CancellationToken cancellationToken)
    {
        if (await FindAsync(tenant, address, cancellationToken) is not { } mailbox)
        {
            return NotFound(address);
        }
        return VacationView.Of(await scripts.GetVacationAsync(mailbox.MailboxId, cancellationToken).ConfigureAwait(false));
    }

    public async Task<ProvisioningOutcome<VacationView>> SetVacationAsync(string tenant, string address, SetVacation request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (await FindAsync(tenant, address, cancellationToken) is not { } mailbox)
        {
            return NotFound(address);
        }
        var days = request.Days ?? VacationSettings.DefaultDays;
        if (days is < 1 or > VacationSettings.MaxDays)
        {
            return ProvisioningError.Invalid("days", $"must be between 1 and {VacationSettings.MaxDays}.");
        }
        if (request.Enabled && string.IsNullOrEmpty(request.Body))
        {
            return ProvisioningError.Invalid("body", "is needed to turn the vacation reply on.");
        }
        if (request.Subject is { } subject && (subject.Length > VacationSettings.MaxSubjectLength || subject.AsSpan().IndexOfAny('\r', '\n') >= 0))
        {
            return ProvisioningError.Invalid("subject", $"must be one line of at most {VacationSettings.MaxSubjectLength} characters.");
        }
        if (request.Body is { Length: > VacationSettings.MaxBodyLength })
        {
            return ProvisioningError.Invalid("body", $"may have at most {VacationSettings.MaxBodyLength} characters.");
        }
        string? from = null;
        if (request.From is { } fromText)
        {
            // Replies go out in the tenant's name only: never a sender the tenant does not host.
            if (!AddressRules.TryParseHosted(fromText, out var parsed, out var error))
            {
                return ProvisioningError.Invalid("from", error);
            }
            if (await MailboxProvisioning.OwnDomainAsync(directory, tenant, parsed.Domain, "from", cancellationToken).ConfigureAwait(false) is { } notOwn)
            {
                return notOwn;
            }
            from = parsed.Address;
        }
        var settings = new VacationSettings(request.Enabled, request.Subject, request.Body, from, request.Until, days);
        await scripts.SetVacationAsync(mailbox.MailboxId, settings, cancellationToken).ConfigureAwait(false);
        activeScripts.Forget(mailbox.MailboxId);
        return VacationView.Of(settings);
    }

    private async Task<MailboxRecord?> FindAsync(string tenant, string address, CancellationToken cancellationToken) =>
        AddressRules.TryParseHosted(address, out var parsed, out _) ? await directory.GetMailboxAsync(tenant, parsed, cancellationToken).ConfigureAwait(false) : null;

    private static ProvisioningError NotFound(string address) => ProvisioningError.NotFound($"Mailbox '{address}' not found.");
}

/// <summary>The active script: its name and text, both null when none is active.</summary>
public sealed record SieveScriptText(string? Name, string? Text);
