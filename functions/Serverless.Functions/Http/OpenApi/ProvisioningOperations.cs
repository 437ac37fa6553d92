using Serverless.Functions.Http.Api;
using S = Serverless.Functions.Http.Api.ProvisioningSchemas;

namespace Serverless.Functions.Http.OpenApi;

/// <summary>The documentation of every HTTP function, by function name. A function without an entry here fails the OpenAPI build (and its test).</summary>
public static class ProvisioningOperations
{
    private static readonly ApiQueryParameter Force = new("force", ApiType.Boolean, "true: delete what it contains too.");

    private static readonly ApiQueryParameter[] Paging =
    [
        new("limit", ApiType.Integer, "Items per page, 1–1000 (default 100)."),
        new("continuationToken", ApiType.String, "The continuationToken of the previous page."),
        new("domain", ApiType.String, "Only this domain."),
    ];

    public static readonly ApiSchema Health = new("Health", "Health of the function app.",
    [
        new("status", ApiType.String, "ok or degraded.") { Required = true },
        new("storage", ApiType.String, "ok or unreachable.") { Required = true },
    ]);

    public static readonly IReadOnlyList<ApiOperation> All =
    [
        new("Health", "health", "Liveness and storage reachability.")
        {
            Access = null,
            Responses = [new(200, "Healthy.", Health), new(503, "Storage does not answer.", Health)],
        },
        new("OpenApi", "health", "This OpenAPI document.") { Access = null, Responses = [new(200, "The OpenAPI 3.1 document.")] },

        new("CreateTenant", "tenants", "Create a tenant and its first API key.")
        {
            Access = ApiAccess.Admin, Request = S.CreateTenant,
            Responses = [new(201, "Created; the key is shown only now.", S.CreatedTenant), new(403, "Not the admin key.", S.Problem), new(409, "The id is taken.", S.Problem)],
        },
        new("ListTenants", "tenants", "List all tenants.")
        {
            Access = ApiAccess.Admin, Responses = [new(200, "The tenants.", S.ListOf(S.Tenant, false)), new(403, "Not the admin key.", S.Problem)],
        },
        new("GetTenant", "tenants", "Read a tenant.") { Responses = [new(200, "The tenant.", S.Tenant)] },
        new("DeleteTenant", "tenants", "Delete a tenant and its keys.")
        {
            Access = ApiAccess.Admin, Query = [Force],
            Description = "409 while the tenant has domains, unless force=true: then its domains, mailboxes and aliases are deleted too.",
            Responses = [new(204, "Deleted."), new(403, "Not the admin key.", S.Problem), new(409, "The tenant still has domains.", S.Problem)],
        },

        new("CreateApiKey", "keys", "Issue a new tenant API key (rotation: issue, switch, delete the old one).")
        {
            Responses = [new(201, "Created; the key is shown only now.", S.CreatedApiKey)],
        },
        new("ListApiKeys", "keys", "List the tenant's API keys (ids only).") { Responses = [new(200, "The keys.", S.ListOf(S.ApiKey, false))] },
        new("DeleteApiKey", "keys", "Revoke an API key.") { Responses = [new(204, "Revoked.")] },

        new("CreateDomain", "domains", "Claim a domain: creates its DKIM key and returns the DNS records to publish, with the TXT record that proves it.")
        {
            Request = S.CreateDomain,
            Description = "The domain starts pending (nothing is hosted until POST .../verify succeeds) unless Mail:Provisioning:RequireDomainVerification is false. "
                + "Other tenants' pending claims of the same name do not matter; the first to verify wins. The service's own host names are refused (400).",
            Responses =
            [
                new(201, "Claimed (status pending, or verified without required verification).", S.Domain),
                new(400, "The name is invalid or one of the service's own host names.", S.Problem),
                new(409, "This tenant claims it already, or another tenant has verified it.", S.Problem),
            ],
        },
        new("VerifyDomain", "domains", "Prove the domain by its TXT record (_serverless-mail.{domain}) and host it.")
        {
            Query = [new("force", ApiType.Boolean, "true: verify without DNS (admin key only; a tenant key gets 403).")],
            Description = "Looks the TXT record up on the configured DNS servers. Verifying an already verified domain answers 200 again.",
            Responses =
            [
                new(200, "Verified: the domain is hosted for this tenant.", S.Domain),
                new(403, "force=true with a tenant key.", S.Problem),
                new(409, "Not verified: the problem says what DNS held instead, or that another tenant verified it first.", S.Problem),
            ],
        },
        new("ListDomains", "domains", "List the tenant's domains.") { Responses = [new(200, "The domains.", S.ListOf(S.DomainSummary, false))] },
        new("GetDomain", "domains", "Read a domain with its DNS records.") { Responses = [new(200, "The domain.", S.Domain)] },
        new("UpdateDomain", "domains", "Change a domain's settings: a second DKIM signature with Ed25519 (RFC 8463).")
        {
            Request = S.UpdateDomain,
            Description = "dkimEd25519 true makes an Ed25519 key under a selector of its own and lists its TXT record (k=ed25519) in dnsRecords: publish it. "
                + "The relay then signs each message twice, rsa-sha256 and ed25519-sha256, so verifiers without Ed25519 still find the RSA signature. "
                + "false deletes the key. Rotation (dkim/rotate) changes only the RSA key.",
            Responses = [new(200, "The domain.", S.Domain), new(404, "No such domain.", S.Problem), new(409, "The domain changed meanwhile; try again.", S.Problem)],
        },
        new("RotateDkim", "domains", "Start a DKIM key rotation: a new key and selector, published beside the current one.")
        {
            Description = "dnsRecords lists both DKIM records; publish the new one. Signing switches to it once the hourly check finds it in DNS "
                + "(or after Mail:Provisioning:DkimSwitchAfter, 3 days); the old record stays listed until it retires (Mail:Provisioning:DkimRetireAfter, 7 days, after the switch). "
                + "409 while a rotation is under way or the old key has not retired, or when the domain is not verified.",
            Responses = [new(200, "The domain with both DKIM records.", S.Domain), new(409, "A rotation is under way, or the domain is not verified.", S.Problem)],
        },
        new("CheckDomainDns", "domains", "Look up the domain's records in DNS and compare them with what it should publish.")
        {
            Description = "Each record of dnsRecords and the verification record, looked up on the service's DNS servers (Mail:Dns:Servers) without caching: "
                + "ok, missing, different (with what was found) or error; and whether the MX host resolves to Mail:Provisioning:MxAddresses.",
            Responses = [new(200, "What DNS holds.", S.DnsCheck)],
        },
        new("DeleteDomain", "domains", "Stop hosting a domain; its aliases and DKIM key go too.")
        {
            Query = [Force],
            Description = "409 while the domain has mailboxes, unless force=true: then they are deleted too (their contents in the background).",
            Responses = [new(204, "Deleted."), new(409, "The domain still has mailboxes.", S.Problem)],
        },

        new("CreateMailbox", "mailboxes", "Create a mailbox with its default folders.")
        {
            Request = S.CreateMailbox,
            Responses = [new(201, "Created.", S.Mailbox), new(409, "The address is taken by a mailbox or alias, or the tenant's mailbox quota is reached.", S.Problem)],
        },
        new("ListMailboxes", "mailboxes", "List the tenant's mailboxes, a page at a time.")
        {
            Query = Paging, Responses = [new(200, "A page of mailboxes.", S.ListOf(S.Mailbox, true))],
        },
        new("GetMailbox", "mailboxes", "Read a mailbox with its usage.") { Responses = [new(200, "The mailbox.", S.MailboxDetail)] },
        new("UpdateMailbox", "mailboxes", "Change display name, quota or enabled.")
        {
            Request = S.UpdateMailbox, Responses = [new(200, "The changed mailbox.", S.Mailbox), new(409, "Changed concurrently; retry.", S.Problem)],
        },
        new("SetMailboxPassword", "mailboxes", "Set a new password.")
        {
            Request = S.SetPassword, Responses = [new(204, "Changed."), new(409, "Changed concurrently; retry.", S.Problem)],
        },
        new("DeleteMailbox", "mailboxes", "Delete a mailbox, its messages and folders.")
        {
            Description = "Logins and delivery stop at once. A large mailbox's contents are removed in the background (202).",
            Responses = [new(204, "Deleted."), new(202, "Address deleted; contents being removed.", S.MailboxDeletion), new(409, "Changed concurrently; retry.", S.Problem)],
        },

        new("GetMailboxProfile", "mailboxes", "An Apple configuration profile (.mobileconfig) with the mailbox's IMAP and SMTP accounts.")
        {
            Description = "application/x-apple-aspen-config: a property list without the password (the device asks for it), "
                + "CMS-signed when Mail:Provisioning:ProfileSigningCertificatePath is set. 404 unless the mailbox's domain is verified.",
            Responses = [new(200, "The profile.")],
        },
        new("GrantSendAs", "mailboxes", "Let a mailbox send as another address of the tenant.")
        {
            Request = S.GrantSendAs,
            Description = "On submission every From: and Sender: address, and MAIL FROM, must be the user's own address, an alias of the tenant that delivers to them, "
                + "or granted here; anything else is refused with 550 5.7.1. The address must be in one of the tenant's domains (400 otherwise). "
                + "A grant takes effect at the user's next login.",
            Responses = [new(201, "Granted.", S.SendAs), new(409, "Granted already, or the mailbox has the most grants it may have.", S.Problem)],
        },
        new("ListSendAs", "mailboxes", "List the addresses a mailbox may send as besides its own and its aliases.")
        {
            Responses = [new(200, "The grants.", S.ListOf(S.SendAs, false))],
        },
        new("RevokeSendAs", "mailboxes", "Withdraw a send-as grant.")
        {
            Description = "Takes effect at the user's next login; a session logged in before keeps it until it ends.",
            Responses = [new(204, "Withdrawn.")],
        },

        new("TrainSpam", "mailboxes", "Teach the mailbox's spam filter: these messages are spam, or are not.")
        {
            Request = S.SpamTraining,
            Description = "What moving mail into or out of Junk does over IMAP, for POP3 users and operators. The messages are queued for learning "
                + "(202) and learnt within seconds: each once per mailbox whatever how often it is sent; the other verdict later moves its counts over. "
                + "A message expunged before it is learnt is skipped. 400 names an unknown folder or a UIDVALIDITY that is not the folder's.",
            Responses = [new(202, "Queued for learning.", S.SpamTrainingQueued)],
        },
        new("GetSpamTraining", "mailboxes", "How much the mailbox's spam filter has learnt.")
        {
            Description = "Read from storage at the time of asking, so it shows when queued learning is done. The content classifier uses the mailbox's "
                + "model and the tenant's base together; `trained` says whether they hold `trainedMinimum` spam and ham messages between them, "
                + "from which on its confident verdicts file into Junk on their own.",
            Responses = [new(200, "The models' sizes.", S.SpamTrainingStatus)],
        },
        new("GetSieveScript", "sieve", "Read the mailbox's active Sieve script (text/plain).")
        {
            PlainTextResponse = true,
            Description = "The script ManageSieve marks ACTIVE, as the user stored it (without the managed vacation rule). 204 when no script is active.",
            Responses = [new(200, "The script."), new(204, "No script is active.")],
        },
        new("PutSieveScript", "sieve", "Replace the mailbox's active Sieve script (text/plain, UTF-8).")
        {
            PlainTextRequest = true, PlainTextResponse = true,
            Description = "The script is compiled first: one that does not compile is refused with 400, the problem's detail naming the line and the reason "
                + "(\"script: line 3: ...\"), and nothing is stored. Replaces the active script's text; with none active, stores it as 'main' and activates it. "
                + "Scripts are also managed over ManageSieve (port 4190).",
            Responses = [new(200, "Stored and active; the script is echoed."), new(409, "The mailbox has the most scripts it may have.", S.Problem)],
        },
        new("GetVacation", "sieve", "Read the mailbox's managed out-of-office reply.") { Responses = [new(200, "The settings.", S.Vacation)] },
        new("SetVacation", "sieve", "Turn the managed out-of-office reply on or off.")
        {
            Request = S.SetVacation,
            Description = "While on (and before 'until'), the active script the delivery runs is the user's own script with a vacation rule (RFC 5230) "
                + "placed after its require commands, so the reply works whatever the user's script does; the user's script is not changed.",
            Responses = [new(200, "Saved.", S.Vacation)],
        },

        new("CreateAlias", "aliases", "Create an alias, or a domain's catch-all ('@domain').")
        {
            Request = S.CreateAlias,
            Responses = [new(201, "Created.", S.Alias), new(409, "The address is taken by a mailbox or alias.", S.Problem)],
        },
        new("ListAliases", "aliases", "List the tenant's aliases and catch-alls, a page at a time.")
        {
            Query = Paging, Responses = [new(200, "A page of aliases.", S.ListOf(S.Alias, true))],
        },
        new("GetAlias", "aliases", "Read an alias ('@domain' for the catch-all).") { Responses = [new(200, "The alias.", S.Alias)] },
        new("DeleteAlias", "aliases", "Delete an alias.") { Responses = [new(204, "Deleted.")] },

        new("GetSpamSettings", "spam", "The tenant's spam thresholds and allow/block lists.")
        {
            Responses = [new(200, "The settings (defaults when never set).", S.SpamSettings)],
        },
        new("SetSpamSettings", "spam", "Replace the tenant's spam thresholds and allow/block lists.")
        {
            Request = S.SetSpamSettings,
            Description = "The MX refuses a message (550 5.7.1) only when every recipient's tenant would; otherwise each tenant files its copies by its own settings. "
                + "Listeners see a change within 30 seconds (Mail:Spam:SettingsCacheLifetime).",
            Responses = [new(200, "Stored.", S.SpamSettings)],
        },

        new("ListOutbound", "outbound", "The tenant's messages in the outbound relay, with each recipient's delivery state.")
        {
            Description = "Queued messages by default; all=true adds finished ones (delivered or bounced).",
            Query =
            [
                new("all", ApiType.Boolean, "true: include finished messages."),
                new("limit", ApiType.Integer, "Messages per page, 1–1000 (default 100)."),
                new("continuationToken", ApiType.String, "The continuationToken of the previous page."),
            ],
            Responses = [new(200, "A page of messages.", S.ListOf(S.OutboundMessage, true))],
        },
        new("RetryOutbound", "outbound", "Try a queued message's pending recipients now instead of at its next retry time.")
        {
            Description = "Queues a copy of the next retry generation with no delay; the copy that was waiting becomes stale and is dropped when it comes up. "
                + "Refused (409) while the message is on hold, cancelled, finished, or while an attempt is in progress, so two deliveries never run at once.",
            Responses = [new(202, "Queued for an attempt now.", S.OutboundMessage), new(404, "No such message.", S.Problem), new(409, "Held, cancelled, finished or in an attempt.", S.Problem)],
        },
        new("HoldOutbound", "outbound", "Stop a queued message's attempts until it is released.")
        {
            Description = "An attempt in progress finishes; every copy that comes up afterwards is dropped. Holding a held message changes nothing.",
            Responses = [new(200, "On hold.", S.OutboundMessage), new(404, "No such message.", S.Problem), new(409, "Cancelled or finished.", S.Problem)],
        },
        new("ReleaseOutbound", "outbound", "Lift a hold: the message is tried again now.")
        {
            Description = "If the answer is lost after the hold was lifted, POST …/retry queues the attempt again.",
            Responses = [new(202, "Released and queued.", S.OutboundMessage), new(404, "No such message.", S.Problem), new(409, "Not on hold, cancelled or finished.", S.Problem)],
        },
        new("CancelOutbound", "outbound", "Cancel a queued message: no further attempts; the sender gets a DSN saying it was cancelled.")
        {
            Description = "The relay fails the pending recipients with 5.0.0 and sends the failure report (as NOTIFY asks), then releases the message's blob. "
                + "An attempt in progress finishes first. Repeating the request is harmless.",
            Responses = [new(202, "Cancelled; the relay finishes it.", S.OutboundMessage), new(404, "No such message.", S.Problem), new(409, "Finished.", S.Problem)],
        },

        new("GetTenantUsage", "usage", "A tenant's usage and estimated cost: messages in and out, bytes stored, storage transactions by kind.")
        {
            Description = "From the usage table's hour rows (every process writes its counts every Mail:Usage:FlushInterval, 5 minutes; the hourly UsageSample timer adds the stored bytes). "
                + "Cost is an estimate from the dated price table Mail:Usage:Prices. Ranges are whole hours or days; at most 31 days by hour, 366 by day.",
            Query =
            [
                new("from", ApiType.String, "Start (ISO 8601, UTC if no offset); default: 24 hours (30 days by day) before 'to'."),
                new("to", ApiType.String, "End, exclusive; default: the end of the current hour (day)."),
                new("granularity", ApiType.String, "hour (default) or day."),
            ],
            Responses = [new(200, "The usage.", S.TenantUsage)],
        },
        new("GetTenantQuotas", "usage", "A tenant's quotas (bytes stored, mailboxes, messages a day) and its usage against them.")
        {
            Responses = [new(200, "The quotas and the usage now.", S.TenantQuotas)],
        },
        new("SetTenantQuotas", "usage", "Set a tenant's quotas (admin).")
        {
            Access = ApiAccess.Admin, Request = S.SetTenantQuotas,
            Description = "Over a limit the MX answers 452 4.2.2 at RCPT (552 5.2.2 for a message larger than the whole byte quota), submission 452 4.2.2 "
                + "(messages a day), IMAP APPEND and COPY NO [OVERQUOTA] (bytes), and creating a mailbox past the mailbox limit 409. Listeners see a change "
                + "within Mail:Usage:QuotaRefreshInterval (1 minute); lowering a limit deletes nothing.",
            Responses = [new(200, "Stored.", S.TenantQuotas), new(403, "Not the admin key.", S.Problem)],
        },
        new("GetUsage", "usage", "Every tenant's usage and estimated cost over a range (admin).")
        {
            Access = ApiAccess.Admin,
            Description = "Totals per tenant; same range rules as a tenant's usage by day.",
            Query =
            [
                new("from", ApiType.String, "Start (ISO 8601); default: 30 days before 'to'."),
                new("to", ApiType.String, "End, exclusive; default: the end of today (UTC)."),
            ],
            Responses = [new(200, "The tenants' usage.", S.UsageOverview), new(403, "Not the admin key.", S.Problem)],
        },
        new("StartImport", "mailboxes", "Import mail: from another IMAP server (JSON), or an mbox or Maildir zip file.")
        {
            Request = S.StartImport,
            FileRequestTypes = ["application/mbox", "application/zip"],
            Query = [new("folder", ApiType.String, "mbox only: the folder to import into (default INBOX); created when missing.")],
            Description = "JSON: every folder of the source (special-use folders onto ours), every message byte for byte with its flags, keywords and date, "
                + "in runs of Mail:Import:BatchSize messages; a source imported before gives only what is new. The source must be on the internet "
                + "(Mail:Outbound:AllowPrivateNetworks). Content-Type application/mbox (parameter format=mboxrd, the default, or mboxo) imports one mbox file; "
                + "application/zip a Maildir++ tree (cur/new, .Folder directories, flags from the :2, suffix). 202 with the import; Location names it.",
            Responses = [new(202, "The import is queued.", S.Import)],
        },
        new("GetImport", "mailboxes", "How far an import is.")
        {
            Responses = [new(200, "The import.", S.Import)],
        },
        new("CancelImport", "mailboxes", "Cancel an import.")
        {
            Description = "The source password is deleted at once; what was copied stays. An import that already ended is shown unchanged.",
            Responses = [new(200, "The import, cancelled.", S.Import)],
        },
        new("ExportMailbox", "mailboxes", "Download a folder as mbox or the mailbox as a Maildir zip.")
        {
            FileResponseTypes = ["application/mbox", "application/zip"],
            Query =
            [
                new("format", ApiType.String, "mbox (default: one folder, mboxrd) or maildir (a zip of a Maildir++ tree with flags and keywords)."),
                new("folder", ApiType.String, "The folder; mbox default INBOX, maildir default every folder."),
            ],
            Description = "Streamed as it is read; Dovecot and Thunderbird read both. mbox keeps each message's bytes and date; Maildir also its flags and keywords.",
            Responses = [new(200, "The file.")],
        },
        new("ListPoisonMessages", "operations", "The oldest messages in a queue's poison queue (inbound, outbound, mailbox-deletion, spam-learning, mailbox-import).")
        {
            Access = ApiAccess.Admin,
            Description = "Messages that failed maxDequeueCount times, peeked (not taken). At most 32, the most Queue Storage peeks at once; approximateCount tells how many there are.",
            Query = [new("limit", ApiType.Integer, "Messages to show, 1–32 (default 32).")],
            Responses = [new(200, "The poison messages.", S.PoisonMessageList), new(403, "Not the admin key.", S.Problem), new(404, "No such queue.", S.Problem)],
        },
        new("ReplayPoisonMessage", "operations", "Put a poison message back on its queue, once its cause is fixed.")
        {
            Access = ApiAccess.Admin,
            Description = "Sent to the queue first, then removed from the poison queue. Consumers are idempotent: what the failed attempts did already is not done twice.",
            Responses = [new(202, "Back on its queue.", S.PoisonReplay), new(403, "Not the admin key.", S.Problem), new(404, "No such queue or message.", S.Problem)],
        },
    ];

    public static ApiOperation? Find(string functionName) => All.FirstOrDefault(o => o.FunctionName == functionName);
}
