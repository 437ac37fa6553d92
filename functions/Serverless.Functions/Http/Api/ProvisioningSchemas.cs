using Serverless.Mail.Provisioning.Validation;

namespace Serverless.Functions.Http.Api;

/// <summary>Request and response bodies of the provisioning API: checked against these, and documented from them.</summary>
public static class ProvisioningSchemas
{
    private static ApiField Str(string name, string description) => new(name, ApiType.String, description);

    private static ApiField Created => new("createdAt", ApiType.String, "When it was created (UTC).") { Required = true, Format = "date-time" };

    // ---- requests ----

    public static readonly ApiSchema CreateTenant = new("CreateTenantRequest", "A new tenant.",
    [
        Str("id", "Tenant id: " + TenantIdRules.Explanation) with { Required = true, Pattern = TenantIdRules.Pattern, MinLength = 3, MaxLength = 63 },
        Str("displayName", "A name for people.") with { MaxLength = 200 },
    ]);

    public static readonly ApiSchema CreateDomain = new("CreateDomainRequest", "A domain to host.",
    [
        Str("name", "The domain name; IDNs may be given in Unicode and are stored as punycode.") with { Required = true, MinLength = 1, MaxLength = 253, Format = "idn-hostname" },
    ]);

    public static readonly ApiSchema CreateMailbox = new("CreateMailboxRequest", "A new mailbox in one of the tenant's domains.",
    [
        Str("address", "The address (RFC 5321 dot-atom local part, UTF-8 allowed per RFC 6531).") with { Required = true, MinLength = 3, MaxLength = 320, Format = "idn-email" },
        Str("password", "The login password.") with { Required = true, MinLength = 1, MaxLength = 1024 },
        Str("displayName", "A name for people.") with { MaxLength = 200 },
        new("quotaBytes", ApiType.Integer, "Storage limit in bytes; 0 means unlimited.") { Minimum = 0 },
    ]);

    public static readonly ApiSchema UpdateMailbox = new("UpdateMailboxRequest", "Fields to change; at least one.",
    [
        Str("displayName", "A name for people.") with { MaxLength = 200 },
        new("quotaBytes", ApiType.Integer, "Storage limit in bytes; 0 means unlimited.") { Minimum = 0 },
        new("enabled", ApiType.Boolean, "false stops logins and delivery without deleting anything."),
    ]);

    public static readonly ApiSchema SetPassword = new("SetPasswordRequest", "A new password.",
    [
        Str("password", "The new login password.") with { Required = true, MinLength = 1, MaxLength = 1024 },
    ]);

    public static readonly ApiSchema CreateAlias = new("CreateAliasRequest", "An alias, or a domain's catch-all when the address is '@domain'.",
    [
        Str("address", "local@domain, or @domain for the catch-all.") with { Required = true, MinLength = 2, MaxLength = 320 },
        new("targets", ApiType.Array, "Where its mail goes: mailboxes or aliases of this tenant, or external addresses (forwarding).")
        {
            Required = true, MinItems = 1, MaxItems = 100, ItemType = ApiType.String,
        },
    ]);

    public static readonly ApiSchema SetVacation = new("SetVacationRequest", "A managed out-of-office reply, run in front of the mailbox's own Sieve script while it is on.",
    [
        new("enabled", ApiType.Boolean, "true: reply to incoming mail (until 'until', when given).") { Required = true },
        Str("subject", "The reply's subject (one line); null: the interpreter's default (\"Auto: \" + the original subject).") with { Nullable = true, MaxLength = 255 },
        Str("body", "The reply's text; needed when enabled.") with { Nullable = true, MaxLength = 8192 },
        Str("from", "The reply's From: address, in one of the tenant's domains; null: the mailbox's own address.") with { Nullable = true, MaxLength = 320, Format = "idn-email" },
        Str("until", "When replies stop (RFC 3339 date-time with offset); null: until turned off.") with { Nullable = true, Format = "date-time" },
        new("days", ApiType.Integer, "RFC 5230 :days: one reply per sender in this many days, 1–30 (default 7).") { Nullable = true, Minimum = 1 },
    ]);

    public static readonly ApiSchema GrantSendAs = new("GrantSendAsRequest", "An address of the tenant the mailbox may send as.",
    [
        Str("address", "An address in one of the tenant's domains (a mailbox, an alias or neither), other than the mailbox's own.") with
        {
            Required = true, MinLength = 3, MaxLength = 320, Format = "idn-email",
        },
    ]);

    public static readonly ApiSchema SpamTrainingMessage = new("SpamTrainingMessage", "A message of the mailbox, as IMAP names it.",
    [
        Str("folder", "The folder (IMAP name, e.g. INBOX or Junk).") with { Required = true, MinLength = 1, MaxLength = 512 },
        new("uid", ApiType.Integer, "The message's IMAP UID in that folder.") { Required = true, Minimum = 1 },
        new("uidValidity", ApiType.Integer, "The folder's UIDVALIDITY the UID belongs to; refused (400) if the folder's is different now.") { Minimum = 1 },
    ]);

    public static readonly ApiSchema SpamTraining = new("SpamTrainingRequest", "Messages to learn as spam or as ham.",
    [
        new("messages", ApiType.Array, "The messages (1–1000).") { Required = true, MinItems = 1, MaxItems = 1000, Schema = SpamTrainingMessage },
        Str("verdict", "spam or ham.") with { Required = true, Pattern = "^(spam|ham)$" },
    ]);

    private static ApiField SpamList(string name, string description) =>
        new(name, ApiType.Array, description) { Required = true, MaxItems = 1000, ItemType = ApiType.String };

    public static readonly ApiSchema SetSpamSettings = new("SetSpamSettingsRequest", "A tenant's spam settings, replaced whole.",
    [
        new("junkScore", ApiType.Number, "At or above this score mail is filed into Junk; null or absent: the service's Mail:Spam:JunkScore.") { Nullable = true },
        new("rejectScore", ApiType.Number, "At or above this score the MX refuses mail (550 5.7.1); null or absent: Mail:Spam:RejectScore.") { Nullable = true },
        SpamList("allow", "Addresses (user@example.com) and domains (example.com, subdomains included) never filed into Junk or refused by score; "
            + "they count only when authenticated (envelope sender with SPF pass, From: with DMARC pass)."),
        SpamList("block", "Addresses and domains (envelope sender or From:) refused at the MX, or filed into Junk when another recipient's tenant accepts the message."),
    ]);

    public static readonly ApiSchema UpdateDomain = new("UpdateDomainRequest", "A domain's settings.",
    [
        new("dkimEd25519", ApiType.Boolean, "true: sign mail a second time with an Ed25519 key (RFC 8463; its k=ed25519 record is listed in dnsRecords); false: RSA only.")
        {
            Required = true,
        },
    ]);

    public static readonly ApiSchema SetTenantQuotas = new("SetTenantQuotasRequest", "A tenant's quotas, replaced whole; 0, null or absent: unlimited.",
    [
        new("storedBytes", ApiType.Integer, "Bytes in all the tenant's mailboxes together.") { Nullable = true, Minimum = 0 },
        new("mailboxes", ApiType.Integer, "How many mailboxes the tenant may have.") { Nullable = true, Minimum = 0 },
        new("messagesPerDay", ApiType.Integer, "Messages a UTC day, received (filed) plus sent to the internet (relayed).") { Nullable = true, Minimum = 0 },
    ]);

    // ---- responses ----

    public static readonly ApiSchema TenantQuotaLimits = new("TenantQuotaLimits", "A tenant's limits; 0 is unlimited.",
    [
        new("storedBytes", ApiType.Integer, "Bytes in all its mailboxes together.") { Required = true, Minimum = 0 },
        new("mailboxes", ApiType.Integer, "Mailboxes.") { Required = true, Minimum = 0 },
        new("messagesPerDay", ApiType.Integer, "Messages received plus sent a UTC day.") { Required = true, Minimum = 0 },
    ]);

    public static readonly ApiSchema TenantQuotaUsage = new("TenantQuotaUsage", "What the tenant uses now.",
    [
        new("storedBytes", ApiType.Integer, "Bytes in its mailboxes (their counters added up).") { Required = true, Minimum = 0 },
        new("mailboxes", ApiType.Integer, "Mailboxes.") { Required = true, Minimum = 0 },
        new("messagesToday", ApiType.Integer, "Messages received plus sent this UTC day, as the usage rows hold them (written every Mail:Usage:FlushInterval).") { Required = true, Minimum = 0 },
    ]);

    public static readonly ApiSchema TenantQuotas = new("TenantQuotas", "A tenant's quotas and its usage against them.",
    [
        Str("tenant", "The tenant.") with { Required = true },
        new("limits", ApiType.Object, "The limits.") { Required = true, Schema = TenantQuotaLimits },
        new("usage", ApiType.Object, "The usage.") { Required = true, Schema = TenantQuotaUsage },
    ]);

    public static readonly ApiSchema Tenant = new("Tenant", "A tenant.",
    [
        Str("id", "Tenant id.") with { Required = true },
        Str("displayName", "A name for people.") with { Required = true },
        Created,
    ]);

    public static readonly ApiSchema CreatedTenant = new("CreatedTenant", "A new tenant with its first API key (shown only now).",
    [
        Str("id", "Tenant id.") with { Required = true },
        Str("displayName", "A name for people.") with { Required = true },
        Created,
        Str("keyId", "Id of the key, for deleting it later.") with { Required = true },
        Str("apiKey", "The tenant's bearer key. Stored only as a hash: keep it now.") with { Required = true },
    ]);

    public static readonly ApiSchema ApiKey = new("ApiKey", "A tenant API key (the secret is never shown again).",
    [
        Str("keyId", "Key id.") with { Required = true },
        Created,
    ]);

    public static readonly ApiSchema CreatedApiKey = new("CreatedApiKey", "A new tenant API key (shown only now).",
    [
        Str("keyId", "Key id.") with { Required = true },
        Str("apiKey", "The bearer key. Stored only as a hash: keep it now.") with { Required = true },
        Created,
    ]);

    public static readonly ApiSchema DnsRecord = new("DnsRecord", "A record to publish in the domain's DNS zone.",
    [
        Str("type", "MX, TXT, CNAME or SRV.") with { Required = true },
        Str("name", "Owner name (fully qualified, without the final dot).") with { Required = true },
        Str("value", "Record data in zone-file form, without quotes. TXT values longer than 255 characters must be split into several strings by the DNS provider.") with { Required = true },
    ]);

    // ---- domain ownership (issue 14) ----

    private static ApiField DomainStatus => Str("status",
        "pending: claimed, not proven (hosts nothing, blocks nobody); verified: proven by this tenant, hosted here; "
        + "superseded: another tenant proved it first.") with { Required = true, Pattern = "^(pending|verified|superseded)$" };

    public static readonly ApiSchema DomainVerification = new("DomainVerification",
        "The TXT record that proves the tenant controls the domain; publish it, then POST .../verify.",
    [
        Str("type", "Always TXT.") with { Required = true },
        Str("name", "_serverless-mail.{domain}") with { Required = true },
        Str("value", "serverless-mail-verify={token}; the token is random per domain and tenant.") with { Required = true },
    ]);

    // ---- end of domain ownership ----

    public static readonly ApiSchema DomainSummary = new("DomainSummary", "A tenant's domain.",
    [
        Str("name", "Domain name, lowercase ASCII (punycode for IDNs).") with { Required = true },
        Str("unicodeName", "The same name in Unicode.") with { Required = true },
        Str("dkimSelector", "Selector of the domain's DKIM key.") with { Required = true, Nullable = true },
        Created,
        DomainStatus,
    ]);

    public static readonly ApiSchema Domain = new("Domain", "A tenant's domain with the DNS records to publish.",
    [
        Str("name", "Domain name, lowercase ASCII (punycode for IDNs).") with { Required = true },
        Str("unicodeName", "The same name in Unicode.") with { Required = true },
        Str("dkimSelector", "Selector of the domain's DKIM key.") with { Required = true, Nullable = true },
        Str("dkimNextSelector", "During a DKIM rotation: the new key's selector, published beside the current one; signing switches to it once DNS serves it.")
            with { Required = true, Nullable = true },
        Str("dkimRetiringSelector", "After a rotation's switch: the old key's selector, still published until it retires.") with { Required = true, Nullable = true },
        Str("dkimEd25519Selector", "The Ed25519 key's selector when mail is signed a second time with it (RFC 8463); null: RSA only.") with { Nullable = true },
        Created,
        new("dnsRecords", ApiType.Array,
            "MX, SPF, DKIM, DMARC, MTA-STS and TLS-RPT records; the autoconfig., autodiscover. and mta-sts. CNAMEs; the RFC 6186/8314 SRV records of the client services.")
        {
            Required = true, Schema = DnsRecord,
        },
        Str("mtaStsPolicy", "The MTA-STS policy to serve at https://mta-sts.{domain}/.well-known/mta-sts.txt.") with { Required = true },
        DomainStatus,
        new("verification", ApiType.Object, "The TXT record proving ownership (null for domains hosted before verification existed).")
        {
            Required = true, Nullable = true, Schema = DomainVerification,
        },
    ]);

    public static readonly ApiSchema DnsRecordCheck = new("DnsRecordCheck", "One record of the domain as DNS has it.",
    [
        Str("type", "MX, TXT, CNAME or SRV.") with { Required = true },
        Str("name", "Owner name.") with { Required = true },
        Str("expected", "The value to publish (zone-file form).") with { Required = true },
        Str("status", "ok; missing (nothing of the kind); different (a record of the kind with another value); error (DNS did not answer).")
            with { Required = true, Pattern = "^(ok|missing|different|error)$" },
        new("found", ApiType.Array, "The values found (zone-file form), or the DNS error.") { Required = true, ItemType = ApiType.String },
    ]);

    public static readonly ApiSchema MxHostCheck = new("MxHostCheck", "Whether the MX host resolves to the MX listener's public addresses (Mail:Provisioning:MxAddresses).",
    [
        Str("name", "The MX host (Mail:Provisioning:MailHost).") with { Required = true },
        Str("status", "ok, different, missing (no A/AAAA), error, or unchecked (no address configured).")
            with { Required = true, Pattern = "^(ok|missing|different|error|unchecked)$" },
        new("addresses", ApiType.Array, "Its A and AAAA addresses.") { Required = true, ItemType = ApiType.String },
        new("expected", ApiType.Array, "The configured addresses.") { Required = true, ItemType = ApiType.String },
    ]);

    public static readonly ApiSchema DnsCheck = new("DnsCheck", "The domain's records looked up on the service's DNS servers.",
    [
        Str("domain", "The domain.") with { Required = true },
        new("records", ApiType.Array, "Each of dnsRecords, then the verification record.") { Required = true, Schema = DnsRecordCheck },
        new("mxHost", ApiType.Object, "Where the MX host points.") { Required = true, Schema = MxHostCheck },
    ]);

    public static readonly ApiSchema Mailbox = new("Mailbox", "A mailbox.",
    [
        Str("address", "The address (login name).") with { Required = true },
        Str("displayName", "A name for people.") with { Required = true, Nullable = true },
        new("quotaBytes", ApiType.Integer, "Storage limit in bytes; 0 means unlimited.") { Required = true },
        new("enabled", ApiType.Boolean, "Whether logins and delivery work.") { Required = true },
        Created,
    ]);

    public static readonly ApiSchema Usage = new("Usage", "What a mailbox stores.",
    [
        new("messages", ApiType.Integer, "Messages in all folders.") { Required = true },
        new("bytes", ApiType.Integer, "Their total size in bytes.") { Required = true },
    ]);

    public static readonly ApiSchema MailboxDetail = new("MailboxDetail", "A mailbox with its usage.",
    [
        .. Mailbox.Fields,
        new("usage", ApiType.Object, "Messages and bytes stored.") { Required = true, Schema = Usage },
    ]);

    public static readonly ApiSchema MailboxDeletion = new("MailboxDeletion", "The address is gone; the contents are being removed in the background.",
    [
        Str("address", "The deleted address.") with { Required = true },
        Str("status", "Always 'removing'.") with { Required = true },
    ]);

    public static readonly ApiSchema Alias = new("Alias", "An alias or catch-all.",
    [
        Str("address", "local@domain, or @domain for a catch-all.") with { Required = true },
        new("targets", ApiType.Array, "Where its mail goes.") { Required = true, ItemType = ApiType.String },
        new("catchAll", ApiType.Boolean, "True for a domain's catch-all.") { Required = true },
        Created,
    ]);

    public static readonly ApiSchema Vacation = new("Vacation", "A mailbox's managed out-of-office reply.",
    [
        new("enabled", ApiType.Boolean, "Whether it is on.") { Required = true },
        Str("subject", "The reply's subject, or null.") with { Required = true, Nullable = true },
        Str("body", "The reply's text, or null.") with { Required = true, Nullable = true },
        Str("from", "The reply's From: address, or null (the mailbox's own).") with { Required = true, Nullable = true },
        Str("until", "When replies stop, or null.") with { Required = true, Nullable = true, Format = "date-time" },
        new("days", ApiType.Integer, "One reply per sender in this many days.") { Required = true, Minimum = 1 },
    ]);

    public static readonly ApiSchema SendAs = new("SendAs", "A send-as grant: on submission the mailbox may use the address in From:, Sender: and MAIL FROM.",
    [
        Str("mailbox", "The mailbox the grant is for.") with { Required = true },
        Str("address", "The address it may send as.") with { Required = true },
    ]);

    public static readonly ApiSchema StartImport = new("StartImportRequest", "Another IMAP server's mailbox to copy here.",
    [
        Str("host", "The source server's host name or address.") with { Required = true, MinLength = 1, MaxLength = 253 },
        new("port", ApiType.Integer, "The source port (default 993).") { Minimum = 1 },
        Str("security", "ssl (implicit TLS, default), starttls or none.") with { Pattern = "^(ssl|starttls|none)$" },
        Str("username", "The login at the source.") with { Required = true, MinLength = 1, MaxLength = 256 },
        Str("password", "The password at the source: kept encrypted only while the import runs, never logged or shown.") with { Required = true, MinLength = 1, MaxLength = 1024 },
        new("folders", ApiType.Array, "Source folders to copy (names with '/' between levels); absent: all.") { MaxItems = 1000, ItemType = ApiType.String },
    ]);

    public static readonly ApiSchema Import = new("Import", "An import into a mailbox and how far it is.",
    [
        Str("id", "The import's id.") with { Required = true },
        Str("mailbox", "The mailbox.") with { Required = true },
        Str("kind", "imap, mbox or maildir.") with { Required = true },
        Str("status", "queued, running, completed, cancelled, failed or quota (stopped at the mailbox's quota).") with { Required = true },
        Str("host", "The IMAP source's host (null for files).") with { Required = true, Nullable = true },
        Str("username", "The IMAP source's login (null for files).") with { Required = true, Nullable = true },
        new("foldersDone", ApiType.Integer, "Folders copied completely.") { Required = true },
        new("foldersTotal", ApiType.Integer, "Folders to copy (0 until the first run has looked).") { Required = true },
        new("messagesCopied", ApiType.Integer, "Messages copied.") { Required = true },
        new("messagesTotal", ApiType.Integer, "Messages to copy (new ones only, for a source imported before).") { Required = true },
        new("bytes", ApiType.Integer, "Bytes copied.") { Required = true },
        new("errors", ApiType.Integer, "Messages that could not be copied (skipped).") { Required = true },
        Str("lastError", "The last error, or why the import stopped; null if none.") with { Required = true, Nullable = true },
        Created,
        Str("startedAt", "When the first run began, or null.") with { Required = true, Nullable = true, Format = "date-time" },
        Str("updatedAt", "When a run last saved its progress, or null.") with { Required = true, Nullable = true, Format = "date-time" },
        Str("finishedAt", "When it ended, or null.") with { Required = true, Nullable = true, Format = "date-time" },
        new("estimatedSecondsLeft", ApiType.Integer, "At the speed so far, while running; else null.") { Required = true, Nullable = true },
    ]);

    public static readonly ApiSchema SpamTrainingQueued = new("SpamTrainingQueued", "Messages queued for learning.",
    [
        Str("mailbox", "The mailbox.") with { Required = true },
        Str("verdict", "spam or ham.") with { Required = true },
        new("messages", ApiType.Integer, "Messages queued.") { Required = true },
        new("batches", ApiType.Integer, "Queue messages used (one per folder).") { Required = true },
    ]);

    public static readonly ApiSchema SpamModelSize = new("SpamModelSize", "What one token model learnt.",
    [
        new("spam", ApiType.Integer, "Spam messages learnt.") { Required = true },
        new("ham", ApiType.Integer, "Ham messages learnt.") { Required = true },
        new("tokens", ApiType.Integer, "Distinct tokens kept (the model is pruned to a bounded size).") { Required = true },
    ]);

    public static readonly ApiSchema SpamTrainingStatus = new("SpamTrainingStatus", "How much a mailbox's spam filter has learnt.",
    [
        Str("mailbox", "The mailbox.") with { Required = true },
        new("mailboxModel", ApiType.Object, "The mailbox's own model.") { Required = true, Schema = SpamModelSize },
        new("tenantBase", ApiType.Object, "The tenant's base model, learnt from all its users.") { Required = true, Schema = SpamModelSize },
        new("trainedMinimum", ApiType.Integer, "Spam and ham messages needed for the trained weights (Mail:Spam:ContentTrainedMinimum).") { Required = true },
        new("trained", ApiType.Boolean, "Whether both models together hold trainedMinimum of each.") { Required = true },
    ]);

    public static readonly ApiSchema SpamSettings = new("SpamSettings", "A tenant's spam settings and the thresholds that apply.",
    [
        new("junkScore", ApiType.Number, "The tenant's junk threshold; null follows the service default.") { Required = true, Nullable = true },
        new("rejectScore", ApiType.Number, "The tenant's reject threshold; null follows the service default.") { Required = true, Nullable = true },
        new("effectiveJunkScore", ApiType.Number, "The junk threshold that applies.") { Required = true },
        new("effectiveRejectScore", ApiType.Number, "The reject threshold that applies.") { Required = true },
        new("allow", ApiType.Array, "Allowed addresses and domains, normalised.") { Required = true, ItemType = ApiType.String },
        new("block", ApiType.Array, "Blocked addresses and domains, normalised.") { Required = true, ItemType = ApiType.String },
    ]);

    // ---- outbound relay and poison queues ----

    public static readonly ApiSchema OutboundRecipient = new("OutboundRecipient", "A recipient of a relayed message and where it stands.",
    [
        new("address", ApiType.String, "The recipient.") { Required = true },
        new("state", ApiType.String, "pending (will be retried), delivered or failed.") { Required = true },
        new("status", ApiType.String, "RFC 3463 status of the last attempt, e.g. 2.0.0 or 5.1.1.") { Required = true, Nullable = true },
        new("diagnostic", ApiType.String, "The last answer, e.g. 'smtp; 550 5.1.1 no such user'.") { Required = true, Nullable = true },
        new("remoteMta", ApiType.String, "The server that gave it.") { Required = true, Nullable = true },
        new("attempts", ApiType.Integer, "Delivery attempts so far.") { Required = true, Minimum = 0 },
        new("updatedAt", ApiType.String, "When its state last changed (UTC).") { Required = true, Nullable = true, Format = "date-time" },
    ]);

    public static readonly ApiSchema OutboundMessage = new("OutboundMessage", "A message in the outbound relay.",
    [
        new("id", ApiType.String, "The message's queue id.") { Required = true },
        new("from", ApiType.String, "The envelope sender (empty for the null sender).") { Required = true },
        new("authenticatedAs", ApiType.String, "The login that submitted it.") { Required = true, Nullable = true },
        new("size", ApiType.Integer, "Bytes.") { Required = true, Minimum = 0 },
        new("submittedAt", ApiType.String, "When it was queued (UTC).") { Required = true, Format = "date-time" },
        new("done", ApiType.Boolean, "Every recipient is delivered or failed and the DSNs are sent.") { Required = true },
        new("attempt", ApiType.Integer, "Retry generation (0 = first attempt).") { Required = true, Minimum = 0 },
        new("lastAttemptAt", ApiType.String, "When it was last tried (UTC).") { Required = true, Nullable = true, Format = "date-time" },
        new("nextAttemptAt", ApiType.String, "When it will be tried again (UTC); null when done or held.") { Required = true, Nullable = true, Format = "date-time" },
        new("held", ApiType.Boolean, "An operator holds it: no attempt until it is released.") { Required = true },
        new("cancelled", ApiType.Boolean, "An operator cancelled it: its pending recipients fail and are reported to the sender.") { Required = true },
        new("recipients", ApiType.Array, "Its recipients.") { Required = true, Schema = OutboundRecipient },
    ]);

    public static readonly ApiSchema PoisonMessage = new("PoisonMessage", "A message that failed maxDequeueCount times.",
    [
        new("id", ApiType.String, "Its id in the poison queue (for replay).") { Required = true },
        new("insertedAt", ApiType.String, "When it was moved to the poison queue (UTC).") { Required = true, Nullable = true, Format = "date-time" },
        new("body", ApiType.String, "The queue message as the function received it (JSON; docs/storage.md describes each queue's).") { Required = true },
    ]);

    public static readonly ApiSchema PoisonMessageList = new("PoisonMessageList", "The oldest poison messages of one queue (at most 32: Queue Storage peeks no more).",
    [
        new("queue", ApiType.String, "inbound, outbound, mailbox-deletion or spam-learning.") { Required = true },
        new("approximateCount", ApiType.Integer, "How many messages the poison queue holds (approximate, as Queue Storage reports it).") { Required = true, Minimum = 0 },
        new("items", ApiType.Array, "The oldest messages.") { Required = true, Schema = PoisonMessage },
    ]);

    public static readonly ApiSchema PoisonReplay = new("PoisonReplay", "A poison message put back on its queue.",
    [
        new("queue", ApiType.String, "The queue it went back to.") { Required = true },
        new("id", ApiType.String, "Its id in the poison queue (gone now).") { Required = true },
        new("messageId", ApiType.String, "Its new id in the queue.") { Required = true },
    ]);

    // ---- usage and cost (issue 21) ----

    public static readonly ApiSchema TransactionCounts = new("TransactionCounts", "Storage transactions by the kinds the storage bill prices apart.",
    [
        new("blobWrite", ApiType.Integer, "Put Blob, Put Block, Put Block List.") { Required = true, Minimum = 0 },
        new("blobRead", ApiType.Integer, "Blob reads.") { Required = true, Minimum = 0 },
        new("blobOther", ApiType.Integer, "Other blob operations (deletes, properties).") { Required = true, Minimum = 0 },
        new("queue", ApiType.Integer, "Queue operations.") { Required = true, Minimum = 0 },
        new("table", ApiType.Integer, "Table operations (an entity-group transaction is one).") { Required = true, Minimum = 0 },
    ]);

    public static readonly ApiSchema UsageCost = new("UsageCost", "The estimate from the dated price table, in its currency.",
    [
        new("transactions", ApiType.Number, "Storage transactions.") { Required = true },
        new("capacity", ApiType.Number, "Blob capacity: each hourly sample of the stored bytes pays for its hour.") { Required = true },
        new("functions", ApiType.Number, "Function executions (one per message in or out) and their memory-time.") { Required = true },
        new("total", ApiType.Number, "The sum.") { Required = true },
    ]);

    public static readonly ApiSchema UsageBucket = new("UsageBucket", "One hour or day of a tenant's usage, or the range's total.",
    [
        new("start", ApiType.String, "Start of the hour or day (UTC).") { Required = true, Format = "date-time" },
        new("messagesIn", ApiType.Integer, "Messages filed into the tenant's mailboxes.") { Required = true, Minimum = 0 },
        new("messagesOut", ApiType.Integer, "Messages the relay delivered for the tenant.") { Required = true, Minimum = 0 },
        new("bytesIn", ApiType.Integer, "Their bytes.") { Required = true, Minimum = 0 },
        new("bytesOut", ApiType.Integer, "Their bytes.") { Required = true, Minimum = 0 },
        new("storedBytes", ApiType.Integer, "Bytes in the tenant's mailboxes at the last hourly sample in this bucket.") { Required = true, Nullable = true, Minimum = 0 },
        new("mailboxes", ApiType.Integer, "Mailboxes at that sample.") { Required = true, Nullable = true, Minimum = 0 },
        new("transactions", ApiType.Object, "Storage transactions the tenant's mail and sessions caused.") { Required = true, Schema = TransactionCounts },
        new("cost", ApiType.Object, "The estimate.") { Required = true, Schema = UsageCost },
    ]);

    public static readonly ApiSchema UsagePrices = new("UsagePrices", "Which prices the estimate uses.",
    [
        Str("asOf", "When they were read from the price list.") with { Required = true },
        Str("currency", "Currency of every cost.") with { Required = true },
        Str("source", "Which price list.") with { Required = true },
    ]);

    public static readonly ApiSchema TenantUsage = new("TenantUsage", "A tenant's usage and estimated cost over a range, by hour or day.",
    [
        Str("tenant", "The tenant.") with { Required = true },
        new("from", ApiType.String, "Start of the range (UTC, inclusive).") { Required = true, Format = "date-time" },
        new("to", ApiType.String, "End of the range (UTC, exclusive).") { Required = true, Format = "date-time" },
        Str("granularity", "hour or day.") with { Required = true },
        new("prices", ApiType.Object, "The price table.") { Required = true, Schema = UsagePrices },
        new("items", ApiType.Array, "The hours or days with any usage, oldest first.") { Required = true, Schema = UsageBucket },
        new("total", ApiType.Object, "The whole range.") { Required = true, Schema = UsageBucket },
    ]);

    public static readonly ApiSchema TenantUsageTotal = new("TenantUsageTotal", "One tenant's total over the range.",
    [
        Str("tenant", "The tenant.") with { Required = true },
        new("total", ApiType.Object, "Its usage and cost.") { Required = true, Schema = UsageBucket },
    ]);

    public static readonly ApiSchema UsageOverview = new("UsageOverview", "Every tenant's usage and estimated cost over a range.",
    [
        new("from", ApiType.String, "Start of the range (UTC, inclusive).") { Required = true, Format = "date-time" },
        new("to", ApiType.String, "End of the range (UTC, exclusive).") { Required = true, Format = "date-time" },
        new("prices", ApiType.Object, "The price table.") { Required = true, Schema = UsagePrices },
        new("items", ApiType.Array, "Tenants with any usage in the range.") { Required = true, Schema = TenantUsageTotal },
    ]);

    public static ApiSchema ListOf(ApiSchema item, bool paged) => new(item.Name + "List", $"A {(paged ? "page" : "list")} of {item.Name} items.",
    [
        new("items", ApiType.Array, "The items.") { Required = true, Schema = item },
        new("continuationToken", ApiType.String, paged ? "Pass as ?continuationToken= to get the next page; null on the last page." : "Always null: the list is not paged.")
        {
            Required = true, Nullable = true,
        },
    ]);

    public static readonly ApiSchema Problem = new("Problem", "RFC 9457 problem details (application/problem+json).",
    [
        Str("type", "A URI reference naming the problem type; about:blank for plain HTTP statuses.") with { Required = true },
        Str("title", "Short summary (the HTTP reason phrase).") with { Required = true },
        new("status", ApiType.Integer, "The HTTP status code.") { Required = true },
        Str("detail", "What went wrong, for people.") with { Required = true },
        new("errors", ApiType.Array, "For 400: each field in error.") { Schema = new ApiSchema("FieldError", "One field in error.",
        [
            Str("field", "The field's name (nested: dotted path, array items by index).") with { Required = true },
            Str("pointer", "JSON pointer fragment to the field in the request body.") with { Required = true },
            Str("detail", "What is wrong with it.") with { Required = true },
        ]) },
    ]);
}
