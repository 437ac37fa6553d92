using System.Text;
using Serverless.Cli;

// ✓/✗ and table borders need UTF-8 whatever the terminal's default.
Console.OutputEncoding = Encoding.UTF8;
return await SmailCli.RunAsync(args, CliContext.ForProcess());
