using System.Security.Cryptography;
using Serverless.Mail.Accounts;
using Serverless.Mail.Provisioning;
using Serverless.Mail.Provisioning.Requests;
using Serverless.Mail.Provisioning.Resources;
using Serverless.Mail.Storage;

namespace Serverless.DevHost;

/// <summary>
/// Development only: a login that works the moment <c>./run.sh</c> is up. When
/// <c>Mail:DevHost:Demo:PasswordFile</c> is set, the tenant <c>demo</c>, the domain <c>demo.test</c>
/// (verified directly through core — no DNS record can prove a local domain; the admin's
/// <c>verify?force=true</c> does the same over HTTP) and the mailbox <c>demo@demo.test</c> are made
/// sure of at every start, before the listeners and the API answer. The password is generated once
/// and kept in that file, so the same login works after a restart; the mailbox is given it again
/// at each start, so the file is always the truth.
/// </summary>
internal sealed partial class DemoMailbox(IConfiguration configuration, MailStorage storage, MailDirectory directory, HostedDomains domains,
    DomainOwnership ownership, MailboxProvisioning mailboxes, ILogger<DemoMailbox> logger) : IHostedService
{
    public const string Tenant = "demo";
    public const string Domain = "demo.test";
    public const string Address = "demo@demo.test";
    public const string PasswordFileSetting = "Mail:DevHost:Demo:PasswordFile";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (configuration[PasswordFileSetting] is not { Length: > 0 } file)
        {
            return;
        }
        var password = await PasswordAsync(file, cancellationToken);
        await storage.EnsureCreatedAsync(cancellationToken);
        if (await directory.GetTenantAsync(Tenant, cancellationToken) is null)
        {
            await directory.CreateTenantAsync(Tenant, "Demo", cancellationToken);
        }
        var claim = await directory.GetDomainAsync(Tenant, Domain, cancellationToken);
        try
        {
            if (claim is null)
            {
                await domains.AddAsync(Tenant, Domain, verified: true, cancellationToken);
            }
            else if (claim.Status != DomainStatus.Verified)
            {
                await ownership.VerifyAsync(claim, force: true, cancellationToken);
            }
        }
        catch (DirectoryConflictException e)
        {
            LogNoDemo(e.Message);
            return;
        }
        var outcome = (await mailboxes.GetAsync(Tenant, Address, cancellationToken)).Error is null
            ? (await mailboxes.SetPasswordAsync(Tenant, Address, new SetPassword(password), cancellationToken)).Error
            : (await mailboxes.CreateAsync(Tenant, new CreateMailbox(Address, password, "Demo", null), cancellationToken)).Error;
        if (outcome is not null)
        {
            LogNoDemo(outcome.Detail);
            return;
        }
        LogReady(Address);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The kept password, or a new one written with owner-only permissions.</summary>
    private static async Task<string> PasswordAsync(string file, CancellationToken cancellationToken)
    {
        if (File.Exists(file) && (await File.ReadAllTextAsync(file, cancellationToken)).Trim() is { Length: >= 10 } kept)
        {
            return kept;
        }
        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('+', 'x').Replace('/', 'y');
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        await using (var stream = new FileStream(file, options))
        {
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(password + "\n"), cancellationToken);
        }
        return password;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo mailbox ready: {Address}")]
    private partial void LogReady(string address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No demo mailbox: {Reason}")]
    private partial void LogNoDemo(string reason);
}
