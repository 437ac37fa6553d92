using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Accounts;
using Serverless.Mail.Hosting;
using Serverless.Mail.Provisioning;
using Serverless.Mail.Provisioning.Requests;
using Serverless.Mail.Provisioning.Resources;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Xunit;

namespace Serverless.Mail.Tests.Provisioning;

/// <summary>The provisioning services refuse with plain errors (kind, field, sentence), not with HTTP.</summary>
public sealed class ProvisioningOutcomeTests
{
    [Fact]
    public void An_invalid_error_names_its_first_field_in_the_detail()
    {
        var error = ProvisioningError.Invalid([new FieldError("targets.1", "is the alias itself."), new FieldError("targets.2", "is not an address.")]);
        Assert.Equal(ProvisioningErrorKind.Invalid, error.Kind);
        Assert.Equal("targets.1: is the alias itself.", error.Detail);
        Assert.Equal(2, error.Fields.Count);
        Assert.Throws<ArgumentException>(() => ProvisioningError.Invalid([]));
        Assert.Empty(ProvisioningError.NotFound("x").Fields);
    }

    [Fact]
    public async Task Services_report_invalid_fields_missing_resources_and_conflicts_as_errors()
    {
        var settings = await TestStorage.SettingsAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddServerlessMail(configuration);
        services.AddMailProvisioning(configuration);
        await using var sp = services.BuildServiceProvider();
        await sp.GetRequiredService<MailStorage>().EnsureCreatedAsync();
        var tenants = sp.GetRequiredService<TenantProvisioning>();
        var mailboxes = sp.GetRequiredService<MailboxProvisioning>();

        var badId = await tenants.CreateAsync(new CreateTenant("-bad-", null), default);
        Assert.Equal("id", Assert.Single(badId.Error!.Fields).Field);
        var badName = await tenants.CreateAsync(new CreateTenant("fine", "two\nlines"), default);
        Assert.Equal(("displayName", ProvisioningErrorKind.Invalid), (badName.Error!.Fields[0].Field, badName.Error.Kind));

        var created = await tenants.CreateAsync(new CreateTenant("acme", null), default);
        Assert.Null(created.Error);
        Assert.Equal(("acme", "acme"), (created.Value!.Id, created.Value.DisplayName));
        Assert.Equal(ProvisioningErrorKind.NotFound, (await tenants.GetAsync("nobody", default)).Error!.Kind);

        await sp.GetRequiredService<MailDirectory>().AddDomainAsync("acme", "acme.test", null);
        Assert.Equal(ProvisioningErrorKind.Conflict, (await tenants.DeleteAsync("acme", force: false, default)).Error!.Kind);

        var foreign = await mailboxes.CreateAsync("acme", new CreateMailbox("a@elsewhere.test", "long-enough-password", null, null), default);
        Assert.Equal("address", Assert.Single(foreign.Error!.Fields).Field);
        var update = await mailboxes.UpdateAsync("acme", "a@acme.test", new UpdateMailbox(null, null, null), default);
        Assert.Equal("body", Assert.Single(update.Error!.Fields).Field);
        Assert.Equal(ProvisioningErrorKind.NotFound, (await mailboxes.UpdateAsync("acme", "a@acme.test", new UpdateMailbox("A", null, null), default)).Error!.Kind);
        Assert.Null((await tenants.DeleteAsync("acme", force: true, default)).Error);
    }
}
