namespace Serverless.Mail.Sieve.Scripts;

/// <summary>
/// A managed out-of-office reply (API <c>…/vacation</c>), kept beside the mailbox's scripts and
/// turned into a vacation rule in front of the user's own script while it is on (see <see cref="ManagedVacation"/>).
/// </summary>
/// <param name="Until">The reply stops at this instant (checked when the active script is read); null: until turned off.</param>
/// <param name="Days">RFC 5230 :days, the period in which one sender gets one reply.</param>
public sealed record VacationSettings(bool Enabled, string? Subject, string? Body, string? From, DateTimeOffset? Until, int Days)
{
    public const int DefaultDays = 7;
    public const int MaxDays = 30;
    public const int MaxSubjectLength = 255;
    public const int MaxBodyLength = 8 * 1024;

    public static VacationSettings Off { get; } = new(false, null, null, null, null, DefaultDays);

    /// <summary>Whether the rule applies at <paramref name="now"/>.</summary>
    public bool ActiveAt(DateTimeOffset now) => Enabled && Body is not null && (Until is not { } until || now < until);
}
