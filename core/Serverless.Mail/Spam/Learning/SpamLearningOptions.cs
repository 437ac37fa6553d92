namespace Serverless.Mail.Spam.Learning;

/// <summary>Settings of the content classifier's learning (<c>Mail:Spam:Learning</c>; README, "Spam filtering").</summary>
public sealed class SpamLearningOptions
{
    public const string Section = "Mail:Spam:Learning";

    public const int DefaultMaxTokens = 80_000;

    /// <summary>Distinct tokens kept per model (the tenant's base, each mailbox); the rarest are pruned beyond it. 8 bytes each, one table entity.</summary>
    public int MaxTokens { get; set; } = DefaultMaxTokens;

    /// <summary>
    /// How many messages of each verdict one mailbox may teach the tenant's base. Beyond it the
    /// user's training still teaches their own mailbox, but no longer the base every other user
    /// of the tenant is judged by, so one user cannot poison it.
    /// </summary>
    public int BaseShareLimit { get; set; } = 200;

    /// <summary>How long a process uses a model it read before reading it again (the MX path reads each model at most this often).</summary>
    public TimeSpan ModelCacheTime { get; set; } = TimeSpan.FromSeconds(60);
}
