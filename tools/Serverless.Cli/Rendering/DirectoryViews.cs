using Serverless.Cli.Api;

namespace Serverless.Cli.Rendering;

/// <summary>Listings of the directory: tenants, keys, domains, mailboxes, aliases, send-as grants.</summary>
public static class DirectoryViews
{
    public static void Tenants(CliOutput output, Page<Tenant> page)
    {
        var table = Tables.Of("Tenant", "Name", "Created");
        foreach (var t in page.Items)
        {
            table.Row(t.Id, t.DisplayName, Tables.Time(t.CreatedAt));
        }
        Tables.Write(output, table, page.Items.Count);
    }

    public static void Tenant(CliOutput output, Tenant tenant)
    {
        output.Line($"Tenant:  {tenant.Id}");
        output.Line($"Name:    {tenant.DisplayName}");
        output.Line($"Created: {Tables.Time(tenant.CreatedAt)}");
    }

    public static void Quotas(CliOutput output, TenantQuotas quotas)
    {
        static string Count(long value) => value == 0 ? "unlimited" : value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var table = Tables.Of("Quota", "Limit", "Used");
        table.Row("Stored", Tables.Size(quotas.Limits.StoredBytes, zeroIsUnlimited: true), Tables.Size(quotas.Usage.StoredBytes));
        table.Row("Mailboxes", Count(quotas.Limits.Mailboxes), quotas.Usage.Mailboxes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.Row("Messages per day", Count(quotas.Limits.MessagesPerDay), quotas.Usage.MessagesToday.ToString(System.Globalization.CultureInfo.InvariantCulture));
        output.Line($"Tenant {quotas.Tenant}:");
        output.Write(table);
    }

    public static void Keys(CliOutput output, Page<ApiKey> page)
    {
        var table = Tables.Of("Key id", "Created");
        foreach (var k in page.Items)
        {
            table.Row(k.KeyId, Tables.Time(k.CreatedAt));
        }
        Tables.Write(output, table, page.Items.Count);
    }

    /// <summary>A key just issued: the only time it can be seen.</summary>
    public static void NewKey(CliOutput output, string keyId, string apiKey)
    {
        output.Line($"Key id:  {keyId}");
        output.Line($"API key: {apiKey}");
        output.Line("The key is shown only this once; the service keeps only its hash.");
    }

    public static void Domains(CliOutput output, Page<DomainSummary> page)
    {
        var table = Tables.Of("Domain", "Status", "DKIM selector", "Created");
        foreach (var d in page.Items)
        {
            table.Row(d.Name == d.UnicodeName ? d.Name : $"{d.UnicodeName} ({d.Name})", d.Status, d.DkimSelector, Tables.Time(d.CreatedAt));
        }
        Tables.Write(output, table, page.Items.Count);
    }

    /// <summary>Mailboxes with their usage where it was read (one request per mailbox).</summary>
    public static void Mailboxes(CliOutput output, IReadOnlyList<(Mailbox Mailbox, Usage? Usage)> mailboxes)
    {
        var table = Tables.Of("Address", "Name", "Enabled", "Messages", "Used", "Quota");
        foreach (var (m, usage) in mailboxes)
        {
            table.Row(m.Address, m.DisplayName, m.Enabled ? "yes" : "no", usage?.Messages.ToString(System.Globalization.CultureInfo.InvariantCulture),
                usage is null ? null : Tables.Size(usage.Bytes), Tables.Size(m.QuotaBytes, zeroIsUnlimited: true));
        }
        Tables.Write(output, table, mailboxes.Count);
    }

    public static void Mailbox(CliOutput output, MailboxDetail m)
    {
        output.Line($"Address:  {m.Address}");
        output.Line($"Name:     {m.DisplayName}");
        output.Line($"Enabled:  {(m.Enabled ? "yes" : "no")}");
        output.Line($"Usage:    {m.Usage.Messages} messages, {Tables.Size(m.Usage.Bytes)} of {Tables.Size(m.QuotaBytes, zeroIsUnlimited: true)}");
        output.Line($"Created:  {Tables.Time(m.CreatedAt)}");
    }

    public static void Aliases(CliOutput output, IReadOnlyList<Alias> aliases)
    {
        var table = Tables.Of("Alias", "Targets", "Created");
        foreach (var a in aliases)
        {
            table.Row(a.CatchAll ? a.Address + " (catch-all)" : a.Address, string.Join(", ", a.Targets), Tables.Time(a.CreatedAt));
        }
        Tables.Write(output, table, aliases.Count);
    }

    public static void SendAs(CliOutput output, Page<SendAsGrant> page)
    {
        var table = Tables.Of("Mailbox", "May send as");
        foreach (var g in page.Items)
        {
            table.Row(g.Mailbox, g.Address);
        }
        Tables.Write(output, table, page.Items.Count);
    }
}
