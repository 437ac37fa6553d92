using Serverless.Mail.Forwarding;
using Xunit;

namespace Serverless.Mail.Tests.Forwarding;

public sealed class SrsCodecTests
{
    private static readonly DateOnly Day = new(2026, 12, 3);
    private readonly SrsCodec _codec = new("a test secret");

    private static string Local(string address) => address[..address.LastIndexOf('@')];

    [Fact]
    public void A_forward_gets_an_SRS0_address_of_the_forwarding_domain_that_reverses_to_the_original()
    {
        var srs = _codec.Forward("Alice@Example.org", "lists.test", Day);
        Assert.Matches("^SRS0=[A-Z2-7]{6}=[A-Z2-7]{2}=Example.org=Alice@lists.test$", srs);
        Assert.Equal(new SrsReversal(SrsStatus.Valid, "Alice@Example.org"), _codec.Reverse(Local(srs), Day, 21));
    }

    [Fact]
    public void The_timestamp_is_days_since_1970_modulo_1024_in_two_base32_characters()
    {
        // 2026-12-03 is day 20790; 20790 mod 1024 = 310 = 9*32 + 22 -> "J", "W".
        Assert.Equal("JW", _codec.Forward("a@example.org", "f.test", Day).Split('=')[2]);
        Assert.Equal("AA", _codec.Forward("a@example.org", "f.test", DateOnly.FromDateTime(DateTime.UnixEpoch)).Split('=')[2]);
    }

    [Fact]
    public void The_null_sender_is_never_rewritten()
    {
        Assert.Equal("", _codec.Forward("", "lists.test", Day));
    }

    [Fact]
    public void Case_does_not_matter_when_a_mail_system_lowercases_the_address()
    {
        var srs = _codec.Forward("Alice@Example.org", "lists.test", Day);
        Assert.Equal(new SrsReversal(SrsStatus.Valid, "alice@example.org"), _codec.Reverse(Local(srs).ToLowerInvariant(), Day, 21));
    }

    [Fact]
    public void A_local_part_with_equals_signs_survives()
    {
        var srs = _codec.Forward("a=b=c@example.org", "lists.test", Day);
        Assert.Equal("a=b=c@example.org", _codec.Reverse(Local(srs), Day, 21).Original);
    }

    [Fact]
    public void Twenty_one_days_pass_twenty_two_expire_and_a_date_in_the_future_is_expired()
    {
        var local = Local(_codec.Forward("a@example.org", "lists.test", Day));
        Assert.Equal(SrsStatus.Valid, _codec.Reverse(local, Day.AddDays(21), 21).Status);
        Assert.Equal(SrsStatus.Expired, _codec.Reverse(local, Day.AddDays(22), 21).Status);
        Assert.Equal(SrsStatus.Expired, _codec.Reverse(local, Day.AddDays(-1), 21).Status);
    }

    [Fact]
    public void The_timestamp_wraps_around_after_1024_days()
    {
        var near = new DateOnly(2026, 12, 1);
        while ((near.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber) % 1024 != 1020)
        {
            near = near.AddDays(1);
        }
        var local = Local(_codec.Forward("a@example.org", "lists.test", near));
        Assert.Equal(SrsStatus.Valid, _codec.Reverse(local, near.AddDays(10), 21).Status); // stamped 1020, checked at 6
    }

    [Theory]
    [InlineData("a@example.org", "b@example.org")] // another original
    [InlineData("a@example.org", "a@example.net")] // another domain
    public void A_hash_made_for_one_address_does_not_fit_another(string signed, string claimed)
    {
        var fields = Local(_codec.Forward(signed, "lists.test", Day)).Split('=');
        var at = claimed.IndexOf('@', StringComparison.Ordinal);
        var forged = $"SRS0={fields[1]}={fields[2]}={claimed[(at + 1)..]}={claimed[..at]}";
        Assert.Equal(SrsStatus.BadHash, _codec.Reverse(forged, Day, 21).Status);
    }

    [Fact]
    public void Another_key_or_an_altered_timestamp_breaks_the_hash()
    {
        var local = Local(_codec.Forward("a@example.org", "lists.test", Day));
        Assert.Equal(SrsStatus.BadHash, new SrsCodec("another secret").Reverse(local, Day, 21).Status);
        var f = local.Split('=');
        var older = $"SRS0={f[1]}={(f[2] == "JV" ? "JU" : "JV")}={f[3]}={f[4]}";
        Assert.Equal(SrsStatus.BadHash, _codec.Reverse(older, Day, 21).Status);
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("srs1=abc=def")]
    public void Ordinary_local_parts_are_not_SRS(string local) =>
        Assert.Equal(SrsStatus.NotSrs, _codec.Reverse(local, Day, 21).Status);

    [Theory]
    [InlineData("SRS0=")]
    [InlineData("SRS0=ABCDEF")]
    [InlineData("SRS0=ABCDEF=JW=example.org")]
    [InlineData("SRS0=ABCDE=JW=example.org=a")] // hash too short
    [InlineData("SRS0=ABCDEF=J=example.org=a")] // timestamp too short
    [InlineData("SRS0=ABCDE1=JW=example.org=a")] // 1 is not base32
    [InlineData("SRS0=ABCDEF=JW==a")]
    [InlineData("SRS0=ABCDEF=JW=example.org=")]
    public void Broken_SRS0_local_parts_are_malformed(string local) =>
        Assert.Equal(SrsStatus.Malformed, _codec.Reverse(local, Day, 21).Status);

    [Fact]
    public void Without_a_secret_the_service_leaves_senders_alone_and_refuses_every_SRS_address()
    {
        var rewriting = new SenderRewriting(new SrsOptions(), TimeProvider.System);
        Assert.False(rewriting.Enabled);
        Assert.Equal("a@example.org", rewriting.Rewrite("a@example.org", "lists.test"));
        var valid = Local(_codec.Forward("a@example.org", "lists.test", DateOnly.FromDateTime(DateTime.UtcNow)));
        Assert.Equal(SrsStatus.BadHash, rewriting.Reverse(valid).Status);
        Assert.Equal(SrsStatus.NotSrs, rewriting.Reverse("alice").Status);
    }
}
