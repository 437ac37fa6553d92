using Serverless.Mail.Sieve.Language;
using Xunit;

namespace Serverless.Mail.Tests.Sieve.Language;

public sealed class SieveInterpreterTests
{
    [Fact]
    public void An_empty_script_keeps_implicitly()
    {
        var keep = Assert.IsType<SieveKeep>(Assert.Single(SieveRun.Actions("")));
        Assert.True(keep.Implicit);
    }

    [Fact]
    public void Fileinto_and_discard_cancel_the_implicit_keep_but_copy_does_not()
    {
        Assert.Equal(["A"], SieveRun.Filed("require \"fileinto\"; fileinto \"A\";"));
        Assert.Equal(["A", "keep"], SieveRun.Filed("require [\"fileinto\", \"copy\"]; fileinto :copy \"A\";"));
        Assert.Equal(["discard"], SieveRun.Filed("discard;"));
        Assert.Equal(["redirect:x@remote.test"], SieveRun.Filed("redirect \"x@remote.test\";"));
        Assert.Equal(["redirect:x@remote.test", "keep"], SieveRun.Filed("require \"copy\"; redirect :copy \"x@remote.test\";"));
        Assert.Equal(["keep"], SieveRun.Filed("keep; stop; discard;"));
    }

    [Fact]
    public void If_elsif_else_take_the_first_true_branch()
    {
        const string script = "require \"fileinto\";\nif false { fileinto \"1\"; } elsif true { fileinto \"2\"; } elsif true { fileinto \"3\"; } else { fileinto \"4\"; }";
        Assert.Equal(["2"], SieveRun.Filed(script));
        Assert.Equal(["4"], SieveRun.Filed("require \"fileinto\";\nif false { fileinto \"1\"; } else { fileinto \"4\"; }"));
    }

    [Fact]
    public void Header_address_exists_size_and_the_logic_tests()
    {
        Assert.True(SieveRun.Matches("header :contains \"subject\" \"GRüßE\"")); // RFC 2047 decoded; ascii-casemap folds ASCII only
        Assert.False(SieveRun.Matches("header :contains \"subject\" \"grÜße\""));
        Assert.True(SieveRun.Matches("header :contains \"subject\" \"Grüße\""));
        Assert.True(SieveRun.Matches("header :is :comparator \"i;octet\" \"to\" \"user@example.com\""));
        Assert.False(SieveRun.Matches("header :is :comparator \"i;octet\" \"to\" \"USER@example.com\""));
        Assert.True(SieveRun.Matches("address :domain \"from\" \"EXAMPLE.org\""));
        Assert.True(SieveRun.Matches("address :localpart [\"to\", \"cc\"] \"team\""));
        Assert.True(SieveRun.Matches("address :all \"from\" \"ann@example.org\""));
        Assert.True(SieveRun.Matches("exists [\"list-id\", \"message-id\"]"));
        Assert.False(SieveRun.Matches("exists [\"list-id\", \"x-nope\"]"));
        Assert.True(SieveRun.Matches("size :over 100"));
        Assert.False(SieveRun.Matches("size :under 100"));
        Assert.True(SieveRun.Matches("allof (true, not false)"));
        Assert.False(SieveRun.Matches("anyof (false, not true)"));
    }

    [Fact]
    public void The_spam_verdict_is_the_X_Spam_Flag_header_and_the_message_cannot_set_it()
    {
        const string script = "require \"fileinto\";\nif header :is \"X-Spam-Flag\" \"YES\" { fileinto \"INBOX\"; }";
        Assert.Equal(["INBOX"], SieveRun.Filed(script, junk: true));
        Assert.Equal(["keep"], SieveRun.Filed(script, SieveRun.Plain.Replace("X-Spam-Flag: NO", "X-Spam-Flag: YES", StringComparison.Ordinal), junk: false));
    }

    [Fact]
    public void Envelope_tests_see_the_envelope_sender_and_this_recipient()
    {
        Assert.True(SieveRun.Matches("envelope :domain \"from\" \"example.org\"", prelude: "require \"envelope\";"));
        Assert.True(SieveRun.Matches("envelope :localpart \"to\" \"user\"", prelude: "require \"envelope\";"));
        Assert.False(SieveRun.Matches("envelope \"to\" \"team@example.com\"", prelude: "require \"envelope\";"));
    }

    [Fact]
    public void Reject_and_ereject_carry_their_reason_and_cannot_be_combined_with_keep()
    {
        Assert.Equal(["reject:Go away"], SieveRun.Filed("require \"reject\"; reject \"Go away\";"));
        var e = Assert.Single(SieveRun.Actions("require \"ereject\"; ereject \"no\";").OfType<SieveReject>());
        Assert.True(e.Extended);
        var error = Assert.Throws<SieveRuntimeException>(() => SieveRun.Actions("require \"reject\";\nkeep;\nreject \"x\";"));
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void Imap4flags_set_add_remove_and_hasflag_and_flags_on_keep_and_fileinto()
    {
        var actions = SieveRun.Actions("""
            require ["imap4flags", "fileinto"];
            setflag ["\\Seen", "Junk Old"];
            removeflag "Old";
            addflag "\\Flagged";
            if hasflag :is "Junk" { fileinto "J"; }
            fileinto :flags "\\Answered" "A";
            """);
        Assert.Equal(["\\Seen", "Junk", "\\Flagged"], Assert.IsType<SieveFileInto>(actions[0]).Flags);
        Assert.Equal(["\\Answered"], Assert.IsType<SieveFileInto>(actions[1]).Flags);
        var variable = SieveRun.Actions("require [\"imap4flags\", \"variables\"]; addflag \"v\" \"a b\"; removeflag \"v\" \"a\"; if hasflag \"v\" \"b\" { keep; }");
        Assert.Empty(Assert.IsType<SieveKeep>(Assert.Single(variable)).Flags); // a named variable leaves the internal flags alone
    }

    [Fact]
    public void Variables_expand_set_modifiers_and_matches_groups()
    {
        var actions = SieveRun.Actions("""
            require ["variables", "fileinto"];
            if header :matches "subject" "* from the *" { set :upperfirst "where" "${2}"; set :length "n" "${1}"; }
            set :lower :upperfirst "x" "hELLO";
            fileinto "${where}-${n}-${x}-${unknown}";
            """);
        Assert.Equal("List-5-Hello-", Assert.IsType<SieveFileInto>(Assert.Single(actions)).Folder);
        var quoted = SieveRun.Actions("require [\"variables\", \"fileinto\"]; set :quotewildcard \"q\" \"a*b?\\\\\"; fileinto \"${q}\";");
        Assert.Equal("a\\*b\\?\\\\", Assert.IsType<SieveFileInto>(Assert.Single(quoted)).Folder);
        Assert.True(SieveRun.Matches("string :is \"${a}\" \"\"", prelude: "require \"variables\";"));
    }

    [Fact]
    public void Body_tests_search_text_parts_raw_and_by_content_type()
    {
        const string multipart = "From: a@b.c\r\nSubject: m\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=XX\r\n\r\n--XX\r\n" +
            "Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nplain caf=C3=A9\r\n--XX\r\nContent-Type: text/html\r\n\r\n<b>html part</b>\r\n--XX--\r\n";
        const string prelude = "require \"body\";";
        Assert.True(SieveRun.Matches("body :contains \"café\"", multipart, prelude));
        Assert.True(SieveRun.Matches("body :text :contains \"html part\"", multipart, prelude));
        Assert.True(SieveRun.Matches("body :raw :contains \"caf=C3=A9\"", multipart, prelude));
        Assert.False(SieveRun.Matches("body :raw :contains \"café\"", multipart, prelude));
        Assert.True(SieveRun.Matches("body :content \"text/html\" :contains \"<b>\"", multipart, prelude));
        Assert.False(SieveRun.Matches("body :content \"text/plain\" :contains \"<b>\"", multipart, prelude));
        Assert.True(SieveRun.Matches("body :content \"text\" :contains \"<b>\"", multipart, prelude));
    }

    [Fact]
    public void Date_and_currentdate_give_date_parts_in_the_asked_zone()
    {
        const string prelude = "require [\"date\", \"relational\"];";
        // Wed, 02 Dec 2026 23:15:00 -0500 is 04:15 UTC on the 3rd.
        Assert.True(SieveRun.Matches("date :originalzone \"date\" \"date\" \"2026-12-02\"", prelude: prelude));
        Assert.True(SieveRun.Matches("date \"date\" \"date\" \"2026-12-03\"", prelude: prelude));
        Assert.True(SieveRun.Matches("date :zone \"+0100\" \"date\" \"hour\" \"05\"", prelude: prelude));
        Assert.True(SieveRun.Matches("date :originalzone \"date\" \"zone\" \"-0500\"", prelude: prelude));
        Assert.True(SieveRun.Matches("date :originalzone \"date\" \"weekday\" \"3\"", prelude: prelude));
        Assert.True(SieveRun.Matches("currentdate \"iso8601\" \"2026-12-03T10:30:00+00:00\"", prelude: prelude));
        Assert.True(SieveRun.Matches("currentdate :zone \"-1100\" \"date\" \"2026-12-02\"", prelude: prelude));
        Assert.True(SieveRun.Matches("currentdate :value \"ge\" \"time\" \"09:00:00\"", prelude: prelude));
        Assert.True(SieveRun.Matches("currentdate \"julian\" \"61377\"", prelude: prelude));
        Assert.False(SieveRun.Matches("date \"subject\" \"year\" \"2026\"", prelude: prelude)); // not a date: no match
    }

    [Fact]
    public void Relational_count_and_value_compare_with_the_comparator()
    {
        const string prelude = "require [\"relational\", \"comparator-i;ascii-numeric\"];";
        Assert.True(SieveRun.Matches("address :count \"eq\" :comparator \"i;ascii-numeric\" [\"to\", \"cc\"] \"2\"", prelude: prelude));
        Assert.True(SieveRun.Matches("header :count \"lt\" :comparator \"i;ascii-numeric\" \"received\" \"1\"", prelude: prelude));
        Assert.True(SieveRun.Matches("header :value \"gt\" \"subject\" \"A\"", prelude: prelude));
        Assert.True(SieveRun.Matches("header :value \"gt\" :comparator \"i;ascii-numeric\" \"message-id\" \"5\"", prelude: prelude)); // no leading digit: +infinity (RFC 4790)
    }

    [Fact]
    public void Vacation_takes_its_arguments_with_days_clamped_and_a_derived_handle()
    {
        var v = Assert.Single(SieveRun.Actions("require \"vacation\"; vacation :days 365 :subject \"Away\" :addresses [\"me@x.test\"] \"Back soon\";").OfType<SieveVacation>());
        Assert.Equal((30, "Away", "Back soon", "me@x.test"), (v.Days, v.Subject, v.Reason, v.Addresses[0]));
        var same = Assert.Single(SieveRun.Actions("require \"vacation\"; vacation :days 1 :subject \"Away\" \"Back soon\";").OfType<SieveVacation>());
        Assert.Equal(v.Handle, same.Handle); // :days and :addresses do not change what the reply says
        Assert.Throws<SieveRuntimeException>(() => SieveRun.Actions("require \"vacation\"; vacation \"a\"; vacation \"b\";"));
        Assert.Throws<SieveRuntimeException>(() => SieveRun.Actions("require [\"vacation\", \"reject\"]; vacation \"a\"; reject \"b\";"));
    }

    [Fact]
    public void Limits_on_redirects_steps_and_actions_stop_the_script_with_its_line()
    {
        var redirects = string.Join("\n", Enumerable.Range(1, 5).Select(i => $"redirect \"r{i}@remote.test\";"));
        Assert.Equal(5, Assert.Throws<SieveRuntimeException>(() => SieveRun.Actions(redirects)).Line);
        var steps = Assert.Throws<SieveRuntimeException>(() => SieveRun.Actions("if true { keep; }", limits: new SieveLimits { MaxSteps = 2 }));
        Assert.Contains("steps", steps.Reason, StringComparison.Ordinal);
        var many = "require \"fileinto\";\n" + string.Join("\n", Enumerable.Range(1, 40).Select(i => $"fileinto \"f{i}\";"));
        Assert.Contains("actions", Assert.Throws<SieveRuntimeException>(() => SieveRun.Actions(many)).Reason, StringComparison.Ordinal);
    }
}
