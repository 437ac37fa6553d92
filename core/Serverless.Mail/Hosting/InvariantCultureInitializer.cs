using System.Globalization;

namespace Serverless.Mail.Hosting;

/// <summary>
/// Protocol replies, header dates and storage keys must never depend on the host's locale
/// (LANG/LC_ALL of a container or a developer machine). ICU stays enabled for IDN and Unicode
/// normalisation, but every thread formats and compares with the invariant culture. Called from
/// <see cref="MailServiceCollectionExtensions.AddServerlessMail"/>, which every host runs at startup.
/// </summary>
internal static class InvariantCultureInitializer
{
    internal static void UseInvariantCulture()
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
    }
}
