using Serverless.Mail.Sieve.Language;
using Xunit;

namespace Serverless.Mail.Tests.Sieve.Language;

public sealed class SieveMatchingTests
{
    [Theory]
    [InlineData("hello world", "hello*", true)]
    [InlineData("hello world", "*WORLD", true)]
    [InlineData("hello world", "h?llo *", true)]
    [InlineData("hello", "h?llo?", false)]
    [InlineData("a*b", "a\\*b", true)]
    [InlineData("axb", "a\\*b", false)]
    [InlineData("", "*", true)]
    [InlineData("x", "", false)]
    public void Matches_handles_wildcards_and_escapes(string value, string pattern, bool expected) =>
        Assert.Equal(expected, SieveMatching.Glob("i;ascii-casemap", value, pattern) is not null);

    [Fact]
    public void Matches_groups_take_as_little_as_they_can_and_keep_the_original_case()
    {
        Assert.Equal(["Re: Hi there", "Re", "Hi", "there"], SieveMatching.Glob("i;ascii-casemap", "Re: Hi there", "*: * *"));
        Assert.Equal(["abc", "a", "c"], SieveMatching.Glob("i;octet", "abc", "?b*"));
    }

    [Fact]
    public void A_pathological_pattern_fails_instead_of_spinning()
    {
        var value = new string('a', 4000);
        var pattern = string.Concat(Enumerable.Repeat("*a", 60)) + "b";
        Assert.Null(SieveMatching.Glob("i;octet", value, pattern));
    }

    [Theory]
    [InlineData("i;ascii-numeric", "10", "9", 1)]
    [InlineData("i;ascii-numeric", "007", "7", 0)]
    [InlineData("i;ascii-numeric", "abc", "99999", 1)]
    [InlineData("i;ascii-numeric", "x", "y", 0)]
    [InlineData("i;ascii-casemap", "ABC", "abc", 0)]
    [InlineData("i;octet", "ABC", "abc", -1)]
    public void Comparators_order_values(string comparator, string a, string b, int sign) =>
        Assert.Equal(sign, Math.Sign(SieveMatching.Compare(comparator, a, b)));
}
