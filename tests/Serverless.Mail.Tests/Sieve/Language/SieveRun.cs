using System.Text;
using MimeKit;
using Serverless.Mail.Sieve.Language;

namespace Serverless.Mail.Tests.Sieve.Language;

/// <summary>Compiles a script and runs it on a message given as text.</summary>
internal static class SieveRun
{
    public static readonly DateTimeOffset Now = new(2026, 12, 3, 10, 30, 0, TimeSpan.Zero);

    public const string Plain = "From: Ann <ann@example.org>\r\nTo: user@example.com\r\nCc: \"Team\" <team@example.com>\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from the list\r\n" +
        "Date: Wed, 02 Dec 2026 23:15:00 -0500\r\nMessage-ID: <m1@example.org>\r\nList-Id: <news.example.org>\r\nX-Spam-Flag: NO\r\n\r\nHello there.\r\n";

    public static IReadOnlyList<SieveAction> Actions(string script, string message = Plain, bool junk = false, string from = "ann@example.org",
        string to = "user@example.com", SieveLimits? limits = null)
    {
        var compiled = SieveCompiler.Compile(script);
        using var mime = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(message)));
        return SieveInterpreter.Run(compiled, new SieveMessage(mime, from, to, Encoding.UTF8.GetByteCount(message), junk), Now, limits);
    }

    /// <summary>The folders the message is filed into ("keep" for keep), in order.</summary>
    public static string[] Filed(string script, string message = Plain, bool junk = false) =>
        Actions(script, message, junk).Select(a => a switch
        {
            SieveKeep => "keep",
            SieveFileInto f => f.Folder,
            SieveRedirect r => "redirect:" + r.Address,
            SieveDiscard => "discard",
            SieveReject r => "reject:" + r.Reason,
            SieveVacation => "vacation",
            _ => "?",
        }).ToArray();

    public static bool Matches(string test, string message = Plain, string prelude = "") =>
        Filed(prelude + "if " + test + " { discard; stop; }", message) is ["discard"];
}
