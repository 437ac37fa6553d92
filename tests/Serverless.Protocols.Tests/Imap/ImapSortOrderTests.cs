using Serverless.Protocols.Imap;
using Xunit;

namespace Serverless.Protocols.Tests.Imap;

public sealed class ImapSortOrderTests
{
    private static readonly DateTimeOffset Day = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly SortFields[] Messages =
    [
        new(1, Day.AddHours(3), Day.AddHours(1), 300, ImapBaseSubject.Extract("Re: beta").Key, "zed", "amy", "", "Zed Z", "amy@x"),
        new(2, Day.AddHours(1), Day.AddHours(3), 100, ImapBaseSubject.Extract("Alpha").Key, "Bob", "carl", "cc", "bob@y", "Carl"),
        new(3, Day.AddHours(2), Day.AddHours(2), 200, ImapBaseSubject.Extract("[list] ALPHA").Key, "amy", "Bob", "", "Amy A", "bob@y"),
        new(4, Day.AddHours(2), Day.AddHours(2), 100, ImapBaseSubject.Extract("beta").Key, "bob", "", "aa", "Bob B", ""),
    ];

    [Theory]
    [InlineData("ARRIVAL", "2 3 4 1")]
    [InlineData("REVERSE ARRIVAL", "1 3 4 2")]
    [InlineData("DATE", "1 3 4 2")]
    [InlineData("SIZE", "2 4 3 1")]
    [InlineData("REVERSE SIZE", "1 3 2 4")]
    [InlineData("SUBJECT", "2 3 1 4")]
    [InlineData("SUBJECT REVERSE DATE", "2 3 4 1")]
    [InlineData("FROM", "3 2 4 1")]
    [InlineData("TO", "4 1 3 2")]
    [InlineData("CC", "1 3 4 2")]
    [InlineData("DISPLAYFROM", "3 4 2 1")]
    [InlineData("DISPLAYTO", "4 1 3 2")]
    [InlineData("SIZE REVERSE FROM", "2 4 3 1")]
    public void Sorts_by_each_key_with_sequence_number_as_the_last_tie_break(string criteria, string expected)
    {
        var list = new List<SortCriterion>();
        var words = criteria.Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            var reverse = words[i] == "REVERSE";
            list.Add(new SortCriterion(reverse ? words[++i] : words[i], reverse));
        }
        var sorted = Messages.ToList();
        sorted.Sort(ImapSortOrder.For(list));
        Assert.Equal(expected, string.Join(' ', sorted.Select(m => m.Number)));
    }
}
