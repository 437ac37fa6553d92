using Serverless.Mail.Storage;
using Xunit;

namespace Serverless.Mail.Tests;

public sealed class KeyEscapingTests
{
    [Theory]
    [InlineData("plain")]
    [InlineData("a/b\\c#d?e%f")]
    [InlineData("Entwürfe/Ordner ☃")]
    [InlineData("tab\there\u0001")]
    [InlineData("emoji 😀/x")]
    public void Escaping_round_trips_and_leaves_no_forbidden_characters(string value)
    {
        var escaped = KeyEscaping.Escape(value);
        Assert.DoesNotContain(escaped, c => c is '/' or '\\' or '#' or '?' || char.IsControl(c));
        Assert.Equal(value, KeyEscaping.Unescape(escaped));
    }
}
