using System.Text.RegularExpressions;

namespace Serverless.Mail.Storage;

/// <summary>
/// The names of every table, blob container and queue the service uses. docs/storage.md lists
/// what lives in each one; keep the two in step.
/// </summary>
public sealed partial class StorageNames
{
    public const string DirectoryTable = "directory";
    public const string MailIndexTable = "mailindex";
    public const string BlobHoldersTable = "blobholders";
    public const string OutboundTable = "outbound";
    public const string RateLimitsTable = "ratelimits";
    public const string SpamSettingsTable = "spamsettings";
    public const string ReputationTable = "reputation";
    public const string VacationTable = "vacation";
    public const string MessagesContainer = "messages";
    public const string KeysContainer = "keys";
    public const string InboundQueue = "inbound";
    public const string OutboundQueue = "outbound";
    public const string MailboxDeletionQueue = "mailbox-deletion";
    public const string SpamLearningQueue = "spam-learning";
    public const string SpamTokensTable = "spamtokens";
    public const string UsageTable = "usage";

    /// <summary>The change feed: one table per UTC day, this name + <c>yyyyMMdd</c>.</summary>
    public const string ChangeFeedTable = "changefeed";
    public const string ImportsTable = "imports";
    public const string MailboxImportQueue = "mailbox-import";
    public const string PoisonSuffix = "-poison";

    public StorageNames(string prefix)
    {
        if (!ValidPrefix().IsMatch(prefix))
        {
            throw new ArgumentException("The storage prefix must be empty or lowercase letters and digits starting with a letter (at most 20).", nameof(prefix));
        }
        Prefix = prefix;
    }

    public string Prefix { get; }

    /// <summary>Table names allow only letters and digits.</summary>
    public string Table(string logical) => Prefix + logical;

    public string Container(string logical) => Prefix.Length == 0 ? logical : Prefix + "-" + logical;

    /// <summary>The queue a function's trigger attribute names, with this deployment's prefix.</summary>
    public string Queue(string logical) => Prefix.Length == 0 ? logical : Prefix + "-" + logical;

    public string PoisonQueue(string logical) => Queue(logical) + PoisonSuffix;

    [GeneratedRegex("^([a-z][a-z0-9]{0,19})?$")]
    private static partial Regex ValidPrefix();
}
