namespace Serverless.Mail.Provisioning.Validation;

/// <summary>Checks for free-text fields (names, passwords) that end up in protocol lines and headers.</summary>
public static class TextRules
{
    /// <summary>An error naming <paramref name="field"/> if the text has control characters (CR, LF, NUL…); null when it is fine.</summary>
    public static ProvisioningError? ControlCharacters(string field, string? text) =>
        text is not null && text.Any(char.IsControl) ? ProvisioningError.Invalid(field, "must not contain control characters.") : null;
}
