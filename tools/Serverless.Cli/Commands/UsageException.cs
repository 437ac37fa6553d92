namespace Serverless.Cli.Commands;

/// <summary>The command line lacks something only known at run time (a key, a tenant): exit code <see cref="ExitCodes.Usage"/>.</summary>
public sealed class UsageException(string message) : Exception(message);
