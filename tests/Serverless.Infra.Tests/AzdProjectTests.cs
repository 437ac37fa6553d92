using System.Text.Json.Nodes;
using Serverless.Infra.Tests.Infrastructure;
using Serverless.Testing;
using Xunit;

namespace Serverless.Infra.Tests;

/// <summary>azure.yaml, main.parameters.json and the Dockerfile agree with each other and with the template.</summary>
public sealed class AzdProjectTests
{
    private static readonly string Root = AzuriteProcess.RepositoryRoot();

    private static string[] Lines(string relativePath) => File.ReadAllLines(Path.Combine(Root, relativePath));

    /// <summary>The lines of one service's block in azure.yaml (indentation-based; the file is flat and small).</summary>
    private static Dictionary<string, string> Service(string name)
    {
        var lines = Lines("azure.yaml").Where(l => !l.TrimStart().StartsWith('#')).ToList();
        var start = lines.IndexOf($"  {name}:");
        Assert.True(start >= 0, $"service {name} not in azure.yaml");
        var block = lines.Skip(start + 1).TakeWhile(l => l.StartsWith("    ", StringComparison.Ordinal) || l.Length == 0);
        return block.Select(l => l.Trim()).Where(l => l.Contains(": ", StringComparison.Ordinal))
            .Select(l => l.Split(": ", 2)).GroupBy(kv => kv[0]).ToDictionary(g => g.Key, g => g.First()[1]);
    }

    [Fact]
    public void Azure_yaml_deploys_the_function_app_and_the_listener_image()
    {
        var api = Service("api");
        Assert.Equal("function", api["host"]);
        Assert.Equal("dotnet", api["language"]);
        Assert.True(File.Exists(Path.Combine(Root, api["project"], "Serverless.Functions.csproj")));

        var listeners = Service("listeners");
        Assert.Equal("containerapp", listeners["host"]);
        var project = Path.Combine(Root, listeners["project"]);
        Assert.True(File.Exists(Path.Combine(project, "Serverless.Listeners.csproj")));
        Assert.True(File.Exists(Path.GetFullPath(Path.Combine(project, listeners["path"]))), "Dockerfile");
        Assert.Equal(Path.GetFullPath(Root).TrimEnd('/'), Path.GetFullPath(Path.Combine(project, listeners["context"])).TrimEnd('/'));
        // Local Docker by default: ACR Tasks (remote builds) are refused on trial and credit subscriptions.
        Assert.Equal("false", listeners["remoteBuild"]);
        Assert.DoesNotContain("run", listeners.Keys);
    }

    [Fact]
    public async Task Main_parameters_json_names_only_real_parameters_and_leaves_none_unanswered()
    {
        var template = (await BicepCompilation.MainAsync()).Template();
        var file = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "infra", "main.parameters.json")))!;
        var given = ((JsonObject)file["parameters"]!).Select(p => p.Key).ToHashSet();
        Assert.Empty(given.Except(template.Parameters.Select(p => p.Key)));
        foreach (var (name, definition) in template.Parameters)
        {
            var generated = ArmTemplate.Text(definition!["metadata"]).Contains("\"type\":\"generate\"", StringComparison.Ordinal);
            if (generated)
            {
                // azd generates it once and keeps it; a value in the file would replace it on every run.
                Assert.DoesNotContain(name, given);
                continue;
            }
            Assert.True(definition!["defaultValue"] is not null || given.Contains(name), $"{name} has no default and no value in main.parameters.json");
        }
        // The image azd pushes reaches the template, so provisioning never rolls the listeners back.
        Assert.Equal("${SERVICE_LISTENERS_IMAGE_NAME=}", (string?)file["parameters"]!["listenersImageName"]!["value"]);
    }

    [Fact]
    public void The_dockerfile_builds_in_stages_runs_as_a_user_and_probes_healthz()
    {
        var lines = Lines("listeners/Serverless.Listeners/Dockerfile").Select(l => l.Trim()).ToList();
        var from = lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, from.Count);
        Assert.Contains("sdk", from[0], StringComparison.Ordinal);
        Assert.Contains("aspnet", from[1], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("RUN dotnet publish listeners/Serverless.Listeners/Serverless.Listeners.csproj -c Release", StringComparison.Ordinal));

        var user = Assert.Single(lines, l => l.StartsWith("USER ", StringComparison.Ordinal));
        Assert.DoesNotContain("root", user, StringComparison.Ordinal);
        Assert.NotEqual("USER 0", user);
        Assert.True(lines.IndexOf(user) > lines.FindLastIndex(l => l.StartsWith("RUN ", StringComparison.Ordinal) || l.StartsWith("&&", StringComparison.Ordinal)), "USER comes after the last RUN");
        Assert.Contains(lines, l => l.Contains("setcap 'cap_net_bind_service=+ep' /app/Serverless.Listeners", StringComparison.Ordinal));

        var healthcheck = string.Join(' ', lines.SkipWhile(l => !l.StartsWith("HEALTHCHECK", StringComparison.Ordinal)).Take(2));
        Assert.Contains("/dev/tcp/127.0.0.1/8080", healthcheck, StringComparison.Ordinal);
        Assert.Contains("GET /healthz", healthcheck, StringComparison.Ordinal);

        var exposed = Assert.Single(lines, l => l.StartsWith("EXPOSE ", StringComparison.Ordinal)).Split(' ').Skip(1).Select(int.Parse).ToHashSet();
        Assert.Equal(new HashSet<int> { 25, 587, 465, 143, 993, 110, 995, 4190, 8080 }, exposed);
        foreach (var (setting, port) in new[] { ("Smtp", 25), ("Submission", 587), ("Submissions", 465), ("Imap", 143), ("Imaps", 993), ("Pop3", 110), ("Pop3s", 995), ("ManageSieve", 4190), ("Health", 8080) })
        {
            Assert.Contains(lines, l => l.StartsWith($"Mail__Listeners__Ports__{setting}={port}", StringComparison.Ordinal));
        }
        Assert.Equal("ENTRYPOINT [\"/app/Serverless.Listeners\"]", lines.Last(l => l.Length > 0));
    }

    [Fact]
    public void The_dockerfile_copies_every_project_the_listener_builds_from()
    {
        var lines = Lines("listeners/Serverless.Listeners/Dockerfile").Select(l => l.Trim()).ToList();
        foreach (var project in ProjectClosure("listeners/Serverless.Listeners/Serverless.Listeners.csproj"))
        {
            var folder = Path.GetDirectoryName(project)!.Replace('\\', '/') + "/";
            Assert.Contains($"COPY {project} {folder}", lines);
            Assert.Contains($"COPY {folder} {folder}", lines);
        }
    }

    /// <summary>A project and every project it references, transitively, as paths relative to the root.</summary>
    private static SortedSet<string> ProjectClosure(string project)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var next))
        {
            if (!found.Add(next))
            {
                continue;
            }
            var folder = Path.GetDirectoryName(Path.Combine(Root, next))!;
            foreach (var reference in System.Xml.Linq.XDocument.Load(Path.Combine(Root, next)).Descendants("ProjectReference"))
            {
                var full = Path.GetFullPath(Path.Combine(folder, (string)reference.Attribute("Include")!));
                pending.Push(Path.GetRelativePath(Root, full).Replace('\\', '/'));
            }
        }
        return found;
    }

    [Fact]
    public void The_docker_context_leaves_out_build_output_secrets_and_unrelated_projects()
    {
        var ignored = Lines(".dockerignore").Where(l => l.Length > 0 && !l.StartsWith('#')).ToHashSet();
        foreach (var pattern in new[] { "**/bin/", "**/obj/", "**/local.settings.json", ".git/", ".azure/", ".data/", "node_modules/", "tests/" })
        {
            Assert.Contains(pattern, ignored);
        }
        // ...but keeps everything the Dockerfile copies.
        foreach (var needed in new[] { "core/", "listeners/", "Directory.Build.props", "Directory.Packages.props" })
        {
            Assert.DoesNotContain(ignored, i => needed.StartsWith(i.TrimEnd('*'), StringComparison.Ordinal));
        }
    }
}
