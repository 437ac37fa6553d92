using Xunit;

namespace Serverless.Cli.Tests;

/// <summary>The CLI's test classes share one dev host.</summary>
[CollectionDefinition(Name)]
public sealed class CliCollection : ICollectionFixture<CliStackFixture>
{
    public const string Name = "cli";
}
