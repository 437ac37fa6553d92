using System.CommandLine;
using Serverless.Cli.Api;
using Serverless.Cli.Rendering;

namespace Serverless.Cli.Commands;

/// <summary>What a command's action gets: its parsed line, the API client, the output and the cancellation.</summary>
public sealed class Invocation(ParseResult parse, GlobalOptions globals, MailApiClient api, CliOutput output, CliContext context, CancellationToken cancellation)
{
    public MailApiClient Api { get; } = api;

    public CliOutput Output { get; } = output;

    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>The run's surroundings (standard input for a password).</summary>
    public CliContext Context { get; } = context;

    public T Get<T>(Argument<T> argument) => parse.GetValue(argument)!;

    public T? Get<T>(Option<T> option) => parse.GetValue(option);

    /// <summary>The tenant from <c>--tenant</c> or <c>MAIL_TENANT</c>; a usage error without either.</summary>
    public string Tenant()
    {
        var tenant = parse.GetValue(globals.Tenant);
        if (string.IsNullOrWhiteSpace(tenant))
        {
            tenant = Context.Environment(ApiConnection.TenantVariable);
        }
        return string.IsNullOrWhiteSpace(tenant)
            ? throw new UsageException($"Which tenant? Pass --tenant or set {ApiConnection.TenantVariable}.")
            : tenant.Trim();
    }
}

/// <summary>
/// Gives commands their actions: resolves the API and key, runs the action, and turns failures
/// into one line on stderr and an exit code (<see cref="ExitCodes"/>).
/// </summary>
public sealed class CommandRunner(CliContext context, GlobalOptions globals)
{
    public void Set(Command command, Func<Invocation, Task<int>> action)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.SetAction((parse, cancellation) => RunAsync(parse, action, cancellation));
    }

    /// <summary>An action that always succeeds once the API has answered.</summary>
    public void Set(Command command, Func<Invocation, Task> action) =>
        Set(command, async invocation =>
        {
            await action(invocation);
            return ExitCodes.Ok;
        });

    private async Task<int> RunAsync(ParseResult parse, Func<Invocation, Task<int>> action, CancellationToken cancellation)
    {
        Uri? api = null;
        try
        {
            (api, var key) = ApiConnection.Resolve(parse.GetValue(globals.Api), parse.GetValue(globals.Key), context);
            using var http = MailApiClient.CreateHttp(api, key, context.Handler);
            var output = new CliOutput(context.Out, parse.GetValue(globals.Json), context.OutIsTerminal);
            return await action(new Invocation(parse, globals, new MailApiClient(http), output, context, cancellation));
        }
        catch (UsageException e)
        {
            return Fail(e.Message, ExitCodes.Usage);
        }
        catch (MailApiException e)
        {
            return Fail(e.Message, e.IsRefusal ? ExitCodes.Refused : ExitCodes.Unavailable);
        }
        catch (HttpRequestException e)
        {
            return Fail($"cannot reach the API at {api}: {e.Message}", ExitCodes.Unavailable);
        }
        catch (TaskCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return Fail($"the API at {api} did not answer in time.", ExitCodes.Unavailable);
        }
    }

    private int Fail(string message, int code)
    {
        context.Error.WriteLine("error: " + message);
        return code;
    }
}
