using System.Text.RegularExpressions;

namespace Serverless.Mail.Provisioning.Validation;

/// <summary>
/// Tenant ids: lowercase letters, digits and hyphens, 3–63 characters, not starting or ending with
/// a hyphen — so an id is usable as a DNS label, a storage prefix or a URL segment as it is.
/// </summary>
public static partial class TenantIdRules
{
    public const string Pattern = "^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$";

    public static bool IsValid(string? id) => id is not null && Regex().IsMatch(id);

    public const string Explanation = "must be 3–63 characters of lowercase letters, digits and hyphens, not starting or ending with a hyphen.";

    // \z, not $: $ also matches before a final newline.
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Regex();
}
