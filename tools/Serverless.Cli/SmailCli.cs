using System.CommandLine;
using Serverless.Cli.Commands;

namespace Serverless.Cli;

/// <summary>The root command of <c>smail</c>: global options and one group per resource of the API.</summary>
public static class SmailCli
{
    public static RootCommand Build(CliContext context)
    {
        var globals = new GlobalOptions();
        var run = new CommandRunner(context, globals);
        var root = new RootCommand("smail: the admin CLI of Serverless Mail, over its provisioning API.")
        {
            globals.Api,
            globals.Key,
            globals.Json,
            globals.Tenant,
            TenantCommands.Create(run),
            KeyCommands.Create(run),
            DomainCommands.Create(run),
            MailboxCommands.Create(run),
            AliasCommands.Create(run),
            SendAsCommands.Create(run),
            OutboundCommands.Create(run),
            PoisonCommands.Create(run),
        };
        foreach (var command in ImportCommands.Create(run))
        {
            root.Subcommands.Add(command);
        }
        return root;
    }

    /// <summary>Parses and runs one command line; the exit code is one of <see cref="ExitCodes"/>.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var parse = Build(context).Parse(args);
        var code = await parse.InvokeAsync(new InvocationConfiguration { Output = context.Out, Error = context.Error }, cancellationToken);
        // System.CommandLine answers a parse error with 1; scripts get the documented usage code.
        return parse.Errors.Count > 0 ? ExitCodes.Usage : code;
    }
}
