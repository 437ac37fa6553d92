using System.Globalization;
using System.Text;
using Serverless.Mail.Accounts;

namespace Serverless.Mail.Sieve.Language;

/// <summary>
/// Parses and checks a script: every extension used is required (RFC 5228 §3.2, require before
/// any other command), every command and test is known and gets the tags and arguments its RFC
/// allows, tags of one kind are not repeated, constant values are valid (comparators, relations,
/// date parts, zones, variable names). Errors name the line and the reason. With
/// "encoded-character" (RFC 5228 §2.4.2.4) the <c>${hex:…}</c> and <c>${unicode:…}</c> sequences
/// are decoded here, once.
/// </summary>
public static class SieveCompiler
{
    /// <summary>Scripts larger than this are refused (UTF-8 bytes).</summary>
    public const int MaxScriptBytes = 64 * 1024;

    public static SieveScript Compile(string script)
    {
        ArgumentNullException.ThrowIfNull(script);
        if (Encoding.UTF8.GetByteCount(script) > MaxScriptBytes)
        {
            throw new SieveSyntaxException(1, $"the script is larger than {MaxScriptBytes / 1024} KiB");
        }
        var nodes = SieveParser.Parse(script);
        var extensions = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        for (; i < nodes.Count && nodes[i].Name == "require"; i++)
        {
            var call = Check(nodes[i], SieveSignatures.Commands["require"], extensions, decode: false);
            foreach (var name in call.Strings(0))
            {
                var ext = name.ToLowerInvariant();
                if (!SieveSignatures.Extensions.Contains(ext))
                {
                    throw new SieveSyntaxException(nodes[i].Line, $"unsupported extension \"{name}\"");
                }
                extensions.Add(ext);
            }
        }
        var commands = Block(nodes.Skip(i).ToList(), extensions);
        return new SieveScript { Commands = commands, Extensions = extensions };
    }

    private static List<SieveCall> Block(List<SieveCommandNode> nodes, HashSet<string> extensions)
    {
        var calls = new List<SieveCall>();
        string? previous = null;
        foreach (var node in nodes)
        {
            if (node.Name == "require")
            {
                throw new SieveSyntaxException(node.Line, "require must come before any other command");
            }
            if (!SieveSignatures.Commands.TryGetValue(node.Name, out var signature))
            {
                throw new SieveSyntaxException(node.Line, SieveSignatures.Tests.ContainsKey(node.Name)
                    ? $"'{node.Name}' is a test, not a command"
                    : $"unknown command '{node.Name}'");
            }
            if (node.Name is "elsif" or "else" && previous is not ("if" or "elsif"))
            {
                throw new SieveSyntaxException(node.Line, $"'{node.Name}' must follow 'if' or 'elsif'");
            }
            Require(signature.Extension, node.Name, node.Line, extensions);
            var call = Check(node, signature, extensions, extensions.Contains("encoded-character"));
            calls.Add(call);
            previous = node.Name;
        }
        return calls;
    }

    private static SieveCall Check(SieveCommandNode node, SieveSignature signature, HashSet<string> extensions, bool decode)
    {
        if (signature.Block && node.Block is null)
        {
            throw new SieveSyntaxException(node.Line, $"'{node.Name}' needs a block {{ … }}");
        }
        if (!signature.Block && node.Block is not null)
        {
            throw new SieveSyntaxException(node.Line, $"'{node.Name}' takes no block");
        }
        var call = Arguments(node.Name, node.Line, node.Arguments, node.Tests, signature, extensions, decode);
        return node.Block is null ? call : With(call, Block([.. node.Block], extensions));
    }

    private static SieveCall Test(SieveTestNode node, HashSet<string> extensions, bool decode)
    {
        if (!SieveSignatures.Tests.TryGetValue(node.Name, out var signature))
        {
            throw new SieveSyntaxException(node.Line, SieveSignatures.Commands.ContainsKey(node.Name)
                ? $"'{node.Name}' is a command, not a test"
                : $"unknown test '{node.Name}'");
        }
        Require(signature.Extension, node.Name, node.Line, extensions);
        var call = Arguments(node.Name, node.Line, node.Arguments, node.Tests, signature, extensions, decode);
        if (node.Name == "size" && !call.Has("over") && !call.Has("under"))
        {
            throw new SieveSyntaxException(node.Line, "size needs :over or :under");
        }
        return call;
    }

    private static SieveCall Arguments(string name, int line, IReadOnlyList<SieveArgument> arguments, IReadOnlyList<SieveTestNode> tests,
        SieveSignature signature, HashSet<string> extensions, bool decode)
    {
        var tags = new Dictionary<string, SieveArgument?>(StringComparer.Ordinal);
        var groups = new Dictionary<string, string>(StringComparer.Ordinal);
        var positional = new List<SieveArgument>();
        for (var k = 0; k < arguments.Count; k++)
        {
            var argument = decode ? Decode(arguments[k]) : arguments[k];
            if (argument is not SieveTag tag)
            {
                positional.Add(argument);
                continue;
            }
            if (positional.Count > 0)
            {
                throw new SieveSyntaxException(tag.Line, $"tag :{tag.Name} of '{name}' must come before its other arguments");
            }
            if (!signature.Tags.Contains(tag.Name) || !SieveSignatures.TagSpecs.TryGetValue(tag.Name, out var spec))
            {
                throw new SieveSyntaxException(tag.Line, $"'{name}' does not take :{tag.Name}");
            }
            Require(spec.Extension, ":" + tag.Name, tag.Line, extensions);
            if (tags.ContainsKey(tag.Name))
            {
                throw new SieveSyntaxException(tag.Line, $":{tag.Name} given twice");
            }
            if (spec.Group is not null && !groups.TryAdd(spec.Group, tag.Name))
            {
                throw new SieveSyntaxException(tag.Line, $":{tag.Name} cannot be combined with :{groups[spec.Group]}");
            }
            SieveArgument? value = null;
            if (spec.Argument is { } kind)
            {
                if (k + 1 >= arguments.Count || arguments[k + 1] is SieveTag)
                {
                    throw new SieveSyntaxException(tag.Line, $":{tag.Name} needs {Describe(kind)}");
                }
                value = decode ? Decode(arguments[++k]) : arguments[++k];
                Expect(value, kind, $":{tag.Name}");
            }
            tags[tag.Name] = value;
        }

        var optional = signature.Positional.Length - signature.MinPositional;
        if (positional.Count < signature.MinPositional || positional.Count > signature.Positional.Length)
        {
            throw new SieveSyntaxException(line, signature.Positional.Length == 0
                ? $"'{name}' takes no arguments besides tags"
                : $"'{name}' needs {(optional == 0 ? signature.MinPositional.ToString(CultureInfo.InvariantCulture) : $"{signature.MinPositional} to {signature.Positional.Length}")} argument(s), got {positional.Count}");
        }
        var aligned = new List<SieveArgument?>();
        var omitted = signature.Positional.Length - positional.Count;
        for (var p = 0; p < signature.Positional.Length; p++)
        {
            var a = p < omitted ? null : positional[p - omitted];
            if (a is not null)
            {
                Expect(a, signature.Positional[p], $"argument {p - omitted + 1} of '{name}'");
            }
            aligned.Add(a);
        }

        var testCalls = tests.Select(t => Test(t, extensions, decode)).ToList();
        switch (signature.Tests)
        {
            case SieveTestArity.None when testCalls.Count > 0:
                throw new SieveSyntaxException(line, $"'{name}' takes no test");
            case SieveTestArity.One when testCalls.Count != 1:
                throw new SieveSyntaxException(line, $"'{name}' needs exactly one test");
            case SieveTestArity.List when testCalls.Count == 0:
                throw new SieveSyntaxException(line, $"'{name}' needs a list of tests in ( )");
        }

        var call = new SieveCall { Name = name, Line = line, Tags = tags, Positional = aligned, Tests = testCalls };
        return Options(call, extensions);
    }

    /// <summary>Resolves and checks comparator, match type, relation, address part and constant values.</summary>
    private static SieveCall Options(SieveCall call, HashSet<string> extensions)
    {
        var comparator = call.TagString("comparator")?.ToLowerInvariant() ?? "i;ascii-casemap";
        if (comparator is not ("i;octet" or "i;ascii-casemap" or "i;ascii-numeric"))
        {
            throw new SieveSyntaxException(call.Line, $"unsupported comparator \"{comparator}\"");
        }
        if (comparator == "i;ascii-numeric")
        {
            Require("comparator-i;ascii-numeric", "comparator \"i;ascii-numeric\"", call.Line, extensions);
        }
        var match = call.Has("contains") ? SieveMatchType.Contains
            : call.Has("matches") ? SieveMatchType.Matches
            : call.Has("count") ? SieveMatchType.Count
            : call.Has("value") ? SieveMatchType.Value
            : SieveMatchType.Is;
        if (comparator == "i;ascii-numeric" && match is SieveMatchType.Contains or SieveMatchType.Matches)
        {
            throw new SieveSyntaxException(call.Line, "i;ascii-numeric supports only :is, :count and :value");
        }
        var relation = call.TagString("count") ?? call.TagString("value");
        if (relation is not null && !SieveSignatures.Relations.Contains(relation))
        {
            throw new SieveSyntaxException(call.Line, $"unknown relation \"{relation}\" (gt, ge, lt, le, eq or ne)");
        }
        var zone = call.TagString("zone");
        if (zone is not null && !IsZone(zone))
        {
            throw new SieveSyntaxException(call.Line, $"invalid zone \"{zone}\" (+hhmm or -hhmm)");
        }
        if (call.Name is "date" or "currentdate")
        {
            var part = call.String(call.Name == "date" ? 1 : 0)!;
            if (!part.Contains("${", StringComparison.Ordinal) && !SieveSignatures.DateParts.Contains(part))
            {
                throw new SieveSyntaxException(call.Line, $"unknown date-part \"{part}\"");
            }
        }
        if (call.Name == "set" && !SieveVariables.IsValidName(call.String(0)!))
        {
            throw new SieveSyntaxException(call.Line, $"invalid variable name \"{call.String(0)}\"");
        }
        if (call.Name is "setflag" or "addflag" or "removeflag" && call.Positional[0] is not null && !SieveVariables.IsValidName(call.String(0)!))
        {
            throw new SieveSyntaxException(call.Line, $"invalid variable name \"{call.String(0)}\"");
        }
        if (call.Name == "hasflag" && call.Positional[0] is SieveStrings names && names.Values.FirstOrDefault(n => !SieveVariables.IsValidName(n)) is { } bad)
        {
            throw new SieveSyntaxException(call.Line, $"invalid variable name \"{bad}\"");
        }
        if (call.Name == "redirect" && !call.String(0)!.Contains("${", StringComparison.Ordinal) && !MailAddress.TryParse(call.String(0)!, out _))
        {
            throw new SieveSyntaxException(call.Line, $"redirect needs a valid address, not \"{call.String(0)}\"");
        }
        return new SieveCall
        {
            Name = call.Name, Line = call.Line, Tags = call.Tags, Positional = call.Positional, Tests = call.Tests, Block = call.Block,
            Comparator = comparator, Match = match, Relation = relation?.ToLowerInvariant(),
            AddressPart = call.Has("localpart") ? "localpart" : call.Has("domain") ? "domain" : "all",
        };
    }

    private static SieveCall With(SieveCall call, List<SieveCall> block) => new()
    {
        Name = call.Name, Line = call.Line, Tags = call.Tags, Positional = call.Positional, Tests = call.Tests, Block = block,
        Comparator = call.Comparator, Match = call.Match, Relation = call.Relation, AddressPart = call.AddressPart,
    };

    internal static bool IsZone(string zone) =>
        zone.Length == 5 && zone[0] is '+' or '-' && zone.AsSpan(1).ContainsAnyExceptInRange('0', '9') is false
        && int.Parse(zone.AsSpan(1, 2), CultureInfo.InvariantCulture) < 24 && int.Parse(zone.AsSpan(3, 2), CultureInfo.InvariantCulture) < 60;

    private static void Require(string? extension, string what, int line, HashSet<string> extensions)
    {
        if (extension is not null && !extensions.Contains(extension))
        {
            throw new SieveSyntaxException(line, $"{what} needs require \"{extension}\"");
        }
    }

    private static void Expect(SieveArgument argument, SieveArgKind kind, string what)
    {
        var ok = kind switch
        {
            SieveArgKind.Number => argument is SieveNumber,
            SieveArgKind.String => argument is SieveStrings { Bracketed: false },
            _ => argument is SieveStrings,
        };
        if (!ok)
        {
            throw new SieveSyntaxException(argument.Line, $"{what} must be {Describe(kind)}");
        }
    }

    private static string Describe(SieveArgKind kind) => kind switch
    {
        SieveArgKind.Number => "a number",
        SieveArgKind.String => "a string",
        _ => "a string list",
    };

    private static SieveArgument Decode(SieveArgument argument) =>
        argument is SieveStrings s ? s with { Values = s.Values.Select(v => EncodedCharacters.Decode(v, s.Line)).ToList() } : argument;
}
