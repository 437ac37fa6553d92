using System.Reflection;
using Serverless.Listeners.Connections;
using Serverless.Mail.Model;
using Serverless.Mail.Storage;
using Serverless.Protocols.Imap;
using Xunit;

namespace Serverless.Infra.Tests;

/// <summary>
/// The layers docs/architecture.md promises, read from what each compiled assembly really references
/// (the compiler keeps only references that are used, so a stray dependency shows here).
/// </summary>
public sealed class ProjectLayerTests
{
    private static string[] References(Assembly assembly) =>
        [.. assembly.GetReferencedAssemblies().Select(a => a.Name!).Order(StringComparer.Ordinal)];

    private static bool IsRuntime(string name) => name is "System" or "netstandard" || name.StartsWith("System.", StringComparison.Ordinal);

    [Fact]
    public void The_model_depends_on_nothing_but_the_runtime()
    {
        Assert.All(References(typeof(MessageSummary).Assembly), name => Assert.True(IsRuntime(name), name));
    }

    [Fact]
    public void The_protocols_depend_on_nothing_but_the_runtime_and_the_model()
    {
        var model = typeof(MessageSummary).Assembly.GetName().Name;
        Assert.All(References(typeof(ImapStructureWriter).Assembly),
            name => Assert.True(IsRuntime(name) || name == model, name));
    }

    [Fact]
    public void Core_has_no_http_framework()
    {
        Assert.DoesNotContain(References(typeof(MailStorage).Assembly), name => name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }

    [Fact]
    public void The_listeners_reach_storage_only_through_core()
    {
        Assert.DoesNotContain(References(typeof(MailTransport).Assembly), name => name == "Azure.Core" || name.StartsWith("Azure.", StringComparison.Ordinal));
    }

    [Fact]
    public void The_function_app_holds_the_http_layer_and_core_is_all_it_calls()
    {
        var functions = References(typeof(Serverless.Functions.Http.Api.ApiGate).Assembly);
        Assert.Contains("Serverless.Mail", functions);
        Assert.DoesNotContain("Serverless.Listeners", functions);
        Assert.DoesNotContain("Serverless.Protocols", functions);
    }
}
