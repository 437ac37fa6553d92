using System.Text;
using MimeKit;
using Serverless.Mail.Sieve.Language;

namespace Serverless.Fuzz.Targets;

/// <summary>
/// A user's Sieve script: lexer, parser, compiler, then the interpreter on a fixed message. The
/// documented refusals are a compile error (<see cref="SieveSyntaxException"/>) and a run-time error
/// (<see cref="SieveRuntimeException"/>, which files the message into INBOX); anything else is a finding.
/// </summary>
public sealed class SieveScriptTarget : FuzzTarget
{
    private static readonly byte[] Message = Encoding.ASCII.GetBytes(
        "From: Ann <ann@example.org>\r\nTo: user@example.com\r\nSubject: Hello there\r\nDate: Wed, 02 Dec 2026 23:15:00 -0500\r\n" +
        "List-Id: <news.example.org>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nHello.\r\n");

    public override string Name => "sieve-script";

    public override IReadOnlyList<byte[]> Seeds { get; } =
    [
        B("require [\"fileinto\", \"mailbox\", \"imap4flags\"];\nif header :contains \"subject\" \"hello\" { fileinto :create :flags \"\\\\Seen\" \"A/B\"; }"),
        B("require [\"variables\", \"fileinto\"];\nif header :matches \"List-Id\" \"*<*.*>*\" { set :upper \"l\" \"${2}\"; fileinto \"Lists/${l}\"; } else { keep; }"),
        B("require [\"vacation\", \"date\", \"relational\"];\nif currentdate :value \"ge\" \"date\" \"2026-01-01\" { vacation :days 3 :subject \"Away\" text:\nBack soon.\n.\n; }"),
        B("require [\"body\", \"reject\", \"envelope\", \"encoded-character\"];\nif anyof (body :text :contains \"${hex:48 65}\", envelope :domain \"from\" \"x\") { reject \"no\"; }"),
        B("if allof (address :localpart \"from\" \"ann\", not size :over 1M, exists \"to\") { discard; stop; }\nredirect \"a@b.example\";"),
    ];

    public override IReadOnlyList<byte[]> Dictionary { get; } =
    [
        B("require"), B("if"), B("elsif"), B("else"), B("{"), B("}"), B("("), B(")"), B("["), B("]"), B(";"), B(","), B("\""), B("text:\n"), B("\n.\n"),
        B(":matches"), B(":contains"), B(":is"), B(":count"), B(":value"), B(":comparator"), B("\"i;ascii-numeric\""), B("*"), B("?"), B("\\"),
        B("${"), B("${1}"), B("${hex:"), B("${unicode:"), B("/*"), B("*/"), B("#"), B("fileinto"), B("header"), B("address"), B("not"), B("anyof"),
        B("set"), B("addflag"), B("hasflag"), B("vacation"), B("body"), B("date"), B("currentdate"), B("redirect"), B("reject"), B("999999999K"),
    ];

    public override void Run(ReadOnlySpan<byte> input)
    {
        var script = Encoding.UTF8.GetString(input);
        SieveScript compiled;
        try
        {
            compiled = SieveCompiler.Compile(script);
        }
        catch (SieveSyntaxException e)
        {
            Check(e.Line >= 1 && !string.IsNullOrEmpty(e.Reason), "a compile error names a line and a reason");
            return;
        }
        using var mime = MimeMessage.Load(new MemoryStream(Message));
        try
        {
            var actions = SieveInterpreter.Run(compiled, new SieveMessage(mime, "ann@example.org", "user@example.com", Message.Length, junk: false),
                new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero));
            Check(actions.Count <= SieveLimits.Default.MaxActions + 1, "at most MaxActions actions plus the implicit keep");
            Check(actions.OfType<SieveRedirect>().Count() <= SieveLimits.Default.MaxRedirects, "at most MaxRedirects redirects");
        }
        catch (SieveRuntimeException e)
        {
            Check(e.Line >= 0 && !string.IsNullOrEmpty(e.Reason), "a run-time error names a line and a reason");
        }
    }
}
