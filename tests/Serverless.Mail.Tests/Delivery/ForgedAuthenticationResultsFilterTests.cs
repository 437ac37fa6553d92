using System.Buffers;
using System.Text;
using Serverless.Mail.Delivery.Authentication;
using Xunit;

namespace Serverless.Mail.Tests.Delivery;

public sealed class ForgedAuthenticationResultsFilterTests
{
    private const string Host = "mail.test";

    /// <summary>Feeds the chunks in order, then the body the filter hands back, the way the listener does.</summary>
    private static (string Output, int Removed) Run(IEnumerable<string> chunks, int maxHeld = ForgedAuthenticationResultsFilter.DefaultMaxHeldField)
    {
        var filter = new ForgedAuthenticationResultsFilter(Host, maxHeld);
        var output = new ArrayBufferWriter<byte>();
        foreach (var chunk in chunks)
        {
            var bytes = Encoding.Latin1.GetBytes(chunk);
            var consumed = filter.Filter(bytes, output);
            Assert.True(consumed == bytes.Length || filter.HeaderComplete);
            output.Write(bytes.AsSpan(consumed)); // the body, passed on by the caller
        }
        filter.Complete(output);
        return (Encoding.Latin1.GetString(output.WrittenSpan), filter.RemovedFields);
    }

    private static string Filter(string message) => Run([message]).Output;

    private const string Forged =
        "Received: from relay.example\r\n" +
        "Authentication-Results: mail.test; dkim=pass header.d=bank.example\r\n" +
        "Subject: hello\r\n" +
        "\r\n" +
        "Body line one\r\n" +
        "Authentication-Results: mail.test; dkim=pass\r\n";

    private const string Expected =
        "Received: from relay.example\r\n" +
        "Subject: hello\r\n" +
        "\r\n" +
        "Body line one\r\n" +
        "Authentication-Results: mail.test; dkim=pass\r\n";

    [Fact]
    public void A_field_claiming_our_authserv_id_is_removed_and_the_body_kept_byte_for_byte()
    {
        var (output, removed) = Run([Forged]);
        Assert.Equal(Expected, output);
        Assert.Equal(1, removed);
    }

    [Fact]
    public void Split_at_every_position_across_two_chunks_gives_the_same_output()
    {
        var message = "Authentication-Results: (forged)\r\n  MAIL.Test;\r\n\tdkim=pass header.d=bank.example\r\n" + Forged;
        var expected = Filter(message);
        Assert.Equal(Expected, expected);
        for (var split = 0; split <= message.Length; split++)
        {
            var (output, removed) = Run([message[..split], message[split..]]);
            Assert.True(expected == output, $"split at {split}");
            Assert.Equal(2, removed);
        }
    }

    [Fact]
    public void Every_x_spam_field_from_outside_is_removed_whatever_its_case_or_folding_and_look_alikes_stay()
    {
        const string message =
            "X-Spam-Status: No, score=-5.0 required=5.0\r\n\ttests=ALL_TRUSTED\r\n" +
            "Subject: hi\r\n" +
            "x-spam-score : -5.0\r\n" +
            "X-SPAM-FLAG: NO\r\n" +
            "X-Spam: not ours (no dash after the prefix)\r\n" +
            "X-Spamd-Bar: +\r\n" +
            "X-Spam-: nameless\r\n" +
            "\r\n" +
            "X-Spam-Status: in the body stays\r\n";
        const string expected =
            "Subject: hi\r\n" +
            "X-Spam: not ours (no dash after the prefix)\r\n" +
            "X-Spamd-Bar: +\r\n" +
            "X-Spam-: nameless\r\n" +
            "\r\n" +
            "X-Spam-Status: in the body stays\r\n";
        var (output, removed) = Run([message]);
        Assert.Equal(expected, output);
        Assert.Equal(3, removed);
        for (var split = 1; split < message.Length; split++)
        {
            Assert.Equal(expected, Run([message[..split], message[split..]]).Output);
        }
    }

    [Fact]
    public void One_byte_chunks_give_the_same_output()
    {
        var (output, removed) = Run(Forged.Select(c => c.ToString()));
        Assert.Equal(Expected, output);
        Assert.Equal(1, removed);
    }

    [Fact]
    public void A_folded_field_is_removed_with_all_its_continuation_lines()
    {
        var output = Filter(
            "From: a@b.example\r\n" +
            "authentication-results:\r\n" +
            "   mail.test\r\n" +
            "\t; spf=pass smtp.mailfrom=bank.example\r\n" +
            "\t; dkim=pass\r\n" +
            "To: c@d.example\r\n\r\nbody\r\n");
        Assert.Equal("From: a@b.example\r\nTo: c@d.example\r\n\r\nbody\r\n", output);
    }

    [Fact]
    public void Several_forged_fields_go_and_other_authserv_ids_stay()
    {
        var message =
            "Authentication-Results: mail.test; dkim=pass\r\n" +
            "Authentication-Results: mx.google.com; dkim=pass header.d=good.example\r\n" +
            "Authentication-Results: mail.test.evil.example; spf=pass\r\n" +
            "Authentication-Results: mail.tes; spf=pass\r\n" +
            "Authentication-Results : \"mail.test\"; dmarc=pass\r\n" +
            "Authentication-Results: (comment (nested) \\( ) mail.test 1; arc=pass\r\n" +
            "Authentication-Results: mail.test\r\n" +
            "X-Authentication-Results: mail.test; dkim=pass\r\n" +
            "Authentication-Results-Extra: mail.test; dkim=pass\r\n" +
            "\r\n";
        var (output, removed) = Run([message]);
        Assert.Equal(
            "Authentication-Results: mx.google.com; dkim=pass header.d=good.example\r\n" +
            "Authentication-Results: mail.test.evil.example; spf=pass\r\n" +
            "Authentication-Results: mail.tes; spf=pass\r\n" +
            "X-Authentication-Results: mail.test; dkim=pass\r\n" +
            "Authentication-Results-Extra: mail.test; dkim=pass\r\n" +
            "\r\n", output);
        Assert.Equal(4, removed);
    }

    [Fact]
    public void Body_lines_that_look_like_headers_are_kept()
    {
        var message = "Subject: x\r\n\r\nAuthentication-Results: mail.test; dkim=pass\r\n\r\nAuthentication-Results: mail.test;\r\n";
        var (output, removed) = Run([message]);
        Assert.Equal(message, output);
        Assert.Equal(0, removed);
        // A bare-LF empty line ends the header section as well.
        Assert.Equal("Subject: x\n\nAuthentication-Results: mail.test;\n", Filter("Subject: x\n\nAuthentication-Results: mail.test;\n"));
    }

    [Fact]
    public void A_message_without_body_loses_a_forged_last_field_even_without_line_end()
    {
        Assert.Equal("Subject: x\r\n", Filter("Subject: x\r\nAuthentication-Results: mail.test; dkim=pass\r\n"));
        Assert.Equal("Subject: x\r\n", Filter("Subject: x\r\nAuthentication-Results: mail.test"));
        Assert.Equal("Subject: x\r\nAuthentication-Results: mail.tes", Filter("Subject: x\r\nAuthentication-Results: mail.tes"));
        Assert.Equal("Subject: x\r\n\r", Filter("Subject: x\r\n\r"));
    }

    [Fact]
    public void An_authentication_results_field_padded_past_the_bound_is_removed_and_other_long_fields_kept()
    {
        // Comments before the authserv-id must not smuggle a forged result past the bound.
        var comment = "(" + new string('c', 200) + ")";
        var padded = $"Authentication-Results: {comment} mail.test; dkim=pass\r\nSubject: x\r\n\r\nbody";
        Assert.Equal(("Subject: x\r\n\r\nbody", 1), Run([padded], maxHeld: 100));
        Assert.Equal(("Subject: x\r\n\r\nbody", 1), Run([padded], maxHeld: 1000));
        // A long field of another name, and a long third-party result, pass unchanged.
        var other = $"Authentication-Results-Archive: {comment} mail.test\r\nAuthentication-Results: mx.other.example {comment}; x\r\n\r\nbody";
        Assert.Equal((other, 0), Run([other], maxHeld: 100));
    }

    [Fact]
    public void A_field_held_longer_than_the_first_buffer_is_kept_or_removed_whole()
    {
        // The held start of a field grows from a small buffer up to the bound: long comments before the
        // authserv-id, under the default bound, decide as short ones do, and nothing held is lost.
        var comment = "(" + new string('c', 3000) + ")";
        var ours = $"Authentication-Results: {comment} mail.test; dkim=pass\r\nSubject: x\r\n\r\nbody";
        var theirs = $"Authentication-Results: {comment} mx.other.example; dkim=pass\r\nSubject: x\r\n\r\nbody";
        Assert.Equal(("Subject: x\r\n\r\nbody", 1), Run([ours]));
        Assert.Equal((theirs, 0), Run([theirs]));
        Assert.Equal((theirs, 0), Run(theirs.Select(c => c.ToString())));
        var past = $"Authentication-Results: ({new string('c', ForgedAuthenticationResultsFilter.DefaultMaxHeldField)}) mx.other.example; x\r\n\r\nbody";
        Assert.Equal(("\r\nbody", 1), Run([past])); // past the bound still undecided: removed (fail closed)
    }

    [Fact]
    public void Nothing_is_held_back_once_a_field_is_known_not_to_be_ours()
    {
        var filter = new ForgedAuthenticationResultsFilter(Host);
        var output = new ArrayBufferWriter<byte>();
        filter.Filter("Subject: a very long subject line that is not held"u8, output);
        Assert.Equal("Subject: a very long subject line that is not held", Encoding.ASCII.GetString(output.WrittenSpan));
        filter.Filter("\r\nAuthentication-Results: mx.other.example; x"u8, output);
        Assert.EndsWith("\r\nAuthentication-Results: mx.other.example; x", Encoding.ASCII.GetString(output.WrittenSpan), StringComparison.Ordinal);
    }
}
