using Serverless.Mail.Provisioning.Api;

namespace Serverless.Mail.Provisioning.Validation;

/// <summary>Checks for free-text fields (names, passwords) that end up in protocol lines and headers.</summary>
public static class TextRules
{
    /// <summary>Throws a 400 naming <paramref name="field"/> if the text has control characters (CR, LF, NUL…).</summary>
    public static void RequireNoControlCharacters(string field, string? text)
    {
        if (text is not null && text.Any(char.IsControl))
        {
            throw new ApiProblemException(ApiProblem.Invalid(field, "must not contain control characters."));
        }
    }
}
