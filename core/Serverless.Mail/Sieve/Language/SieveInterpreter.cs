using System.Security.Cryptography;
using System.Text;
using MimeKit.Utils;

namespace Serverless.Mail.Sieve.Language;

/// <summary>Execution limits: a script that hits one stops with a runtime error (the message goes to INBOX).</summary>
public sealed record SieveLimits
{
    public int MaxSteps { get; init; } = 10_000;

    public int MaxRedirects { get; init; } = SieveCapabilities.MaxRedirects;

    public int MaxActions { get; init; } = 32;

    public static SieveLimits Default { get; } = new();
}

/// <summary>
/// Runs a compiled script against a message and returns its actions (RFC 5228 §2.10): the implicit
/// keep stays unless discard, reject/ereject, or fileinto/redirect without :copy cancelled it;
/// vacation and the flag commands never do. Pure: the clock is passed in, nothing is stored or sent.
/// </summary>
public sealed class SieveInterpreter
{
    private const string InternalFlags = "\0flags";

    private readonly SieveScript _script;
    private readonly SieveMessage _message;
    private readonly DateTimeOffset _now;
    private readonly SieveLimits _limits;
    private readonly SieveVariables _variables = new();
    private readonly List<SieveAction> _actions = [];
    private readonly HashSet<string> _flags = new(StringComparer.OrdinalIgnoreCase);
    private bool _implicitKeep = true;
    private bool _stopped;
    private int _steps;
    private int _redirects;

    private SieveInterpreter(SieveScript script, SieveMessage message, DateTimeOffset now, SieveLimits limits)
    {
        (_script, _message, _now, _limits) = (script, message, now, limits);
    }

    public static IReadOnlyList<SieveAction> Run(SieveScript script, SieveMessage message, DateTimeOffset now, SieveLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(message);
        var run = new SieveInterpreter(script, message, now, limits ?? SieveLimits.Default);
        run.Execute(script.Commands);
        return run.Finish();
    }

    private List<SieveAction> Finish()
    {
        var reject = _actions.OfType<SieveReject>().FirstOrDefault();
        if (reject is not null && _actions.Any(a => a is SieveKeep or SieveFileInto or SieveVacation or SieveRedirect))
        {
            throw new SieveRuntimeException(reject.Line, "reject cannot be combined with keep, fileinto, redirect or vacation");
        }
        if (_implicitKeep)
        {
            _actions.Add(new SieveKeep([.. _flags], Implicit: true, 0));
        }
        return _actions;
    }

    private void Execute(IReadOnlyList<SieveCall> commands)
    {
        var ranBranch = false;
        foreach (var c in commands)
        {
            if (_stopped)
            {
                return;
            }
            Step(c);
            switch (c.Name)
            {
                case "if":
                    ranBranch = Test(c.Tests[0]);
                    if (ranBranch)
                    {
                        Execute(c.Block!);
                    }
                    break;
                case "elsif":
                    if (!ranBranch && Test(c.Tests[0]))
                    {
                        ranBranch = true;
                        Execute(c.Block!);
                    }
                    break;
                case "else":
                    if (!ranBranch)
                    {
                        Execute(c.Block!);
                    }
                    break;
                default:
                    Command(c);
                    break;
            }
        }
    }

    private void Step(SieveCall c)
    {
        if (++_steps > _limits.MaxSteps)
        {
            throw new SieveRuntimeException(c.Line, $"more than {_limits.MaxSteps} steps");
        }
    }

    private string X(string s) => _script.Extensions.Contains("variables") ? _variables.Expand(s) : s;

    private List<string> X(IReadOnlyList<string> list) => list.Select(X).ToList();

    private void Command(SieveCall c)
    {
        switch (c.Name)
        {
            case "stop":
                _stopped = true;
                return;
            case "keep":
                Add(new SieveKeep(Flags(c), false, c.Line));
                _implicitKeep = false;
                return;
            case "discard":
                Add(new SieveDiscard(c.Line));
                _implicitKeep = false;
                return;
            case "fileinto":
                var folder = X(c.String(0)!);
                if (folder.Length == 0 || folder.Any(char.IsControl))
                {
                    throw new SieveRuntimeException(c.Line, $"invalid folder name \"{folder}\"");
                }
                Add(new SieveFileInto(folder, c.Has("create"), Flags(c), c.Line));
                _implicitKeep &= c.Has("copy");
                return;
            case "redirect":
                var address = X(c.String(0)!);
                if (!Accounts.MailAddress.TryParse(address, out _))
                {
                    throw new SieveRuntimeException(c.Line, $"redirect to an invalid address \"{address}\"");
                }
                if (++_redirects > _limits.MaxRedirects)
                {
                    throw new SieveRuntimeException(c.Line, $"more than {_limits.MaxRedirects} redirects");
                }
                Add(new SieveRedirect(address, c.Line));
                _implicitKeep &= c.Has("copy");
                return;
            case "reject":
            case "ereject":
                Add(new SieveReject(X(c.String(0)!), c.Name == "ereject", c.Line));
                _implicitKeep = false;
                return;
            case "setflag":
            case "addflag":
            case "removeflag":
                FlagCommand(c);
                return;
            case "set":
                _variables.Set(c.String(0)!, SieveVariables.Modify(X(c.String(1)!), c), c.Line);
                return;
            case "vacation":
                Vacation(c);
                return;
        }
    }

    private void Add(SieveAction action)
    {
        if (_actions.Count >= _limits.MaxActions)
        {
            throw new SieveRuntimeException(action.Line, $"more than {_limits.MaxActions} actions");
        }
        _actions.Add(action);
    }

    private void Vacation(SieveCall c)
    {
        if (_actions.Any(a => a is SieveVacation))
        {
            throw new SieveRuntimeException(c.Line, "vacation used twice");
        }
        var reason = X(c.String(0)!);
        var subject = c.TagString("subject") is { } s ? X(s) : null;
        var from = c.TagString("from") is { } f ? X(f) : null;
        var handle = c.TagString("handle") is { } h ? X(h)
            : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{reason}\0{subject}\0{from}\0{c.Has("mime")}")).AsSpan(0, 12));
        var days = (int)Math.Clamp(c.TagNumber("days") ?? 7, 1, 30);
        Add(new SieveVacation(reason, subject, from, X(c.TagStrings("addresses") ?? []), c.Has("mime"), handle, days, c.Line));
    }

    /// <summary>RFC 5232: flags are space-separated words in strings; :flags replaces the current set for that action.</summary>
    private List<string> Flags(SieveCall c) =>
        c.TagStrings("flags") is { } given ? Split(X(given)).Distinct(StringComparer.OrdinalIgnoreCase).ToList() : [.. _flags];

    private static IEnumerable<string> Split(IEnumerable<string> values) =>
        values.SelectMany(v => v.Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries));

    private void FlagCommand(SieveCall c)
    {
        var variable = c.Positional[0] is null ? null : c.String(0);
        var set = variable is null ? _flags : new HashSet<string>(Split([_variables.Get(variable)]), StringComparer.OrdinalIgnoreCase);
        var given = Split(X(c.Strings(1))).ToList();
        if (c.Name == "setflag")
        {
            set.Clear();
        }
        foreach (var flag in given)
        {
            if (c.Name == "removeflag")
            {
                set.Remove(flag);
            }
            else
            {
                set.Add(flag);
            }
        }
        if (variable is not null)
        {
            _variables.Set(variable, string.Join(' ', set), c.Line);
        }
    }

    private bool Test(SieveCall t)
    {
        Step(t);
        switch (t.Name)
        {
            case "true":
                return true;
            case "false":
                return false;
            case "not":
                return !Test(t.Tests[0]);
            case "allof":
                return t.Tests.All(Test);
            case "anyof":
                return t.Tests.Any(Test);
            case "size":
                return t.Has("over") ? _message.Size > t.TagNumber("over") : _message.Size < t.TagNumber("under");
            case "exists":
                return X(t.Strings(0)).All(h => _message.Header(h).Count > 0);
            case "header":
                return Match(t, X(t.Strings(0)).SelectMany(_message.Header).ToList(), X(t.Strings(1)));
            case "address":
                return Match(t, X(t.Strings(0)).SelectMany(_message.Addresses).Select(a => Part(t, a.LocalPart, a.Domain)).ToList(), X(t.Strings(1)));
            case "envelope":
                return Match(t, X(t.Strings(0)).SelectMany(Envelope).Select(a => Part(t, a.Local, a.Domain)).ToList(), X(t.Strings(1)));
            case "body":
                var transform = t.Has("raw") ? "raw" : t.Has("content") ? "content" : "text";
                return Match(t, _message.Body(transform, t.Has("content") ? X(t.TagStrings("content")!) : null), X(t.Strings(0)));
            case "date":
                return DateTest(t);
            case "currentdate":
                var zone = t.TagString("zone");
                var now = zone is null ? _now : _now.ToOffset(SieveDates.Offset(zone));
                return Match(t, SieveDates.Part(now, X(t.String(0)!)) is { } part ? [part] : [], X(t.Strings(1)));
            case "hasflag":
                var flags = t.Positional[0] is null ? _flags : Split(t.Strings(0).Select(_variables.Get));
                return Match(t, flags.ToList(), Split(X(t.Strings(1))).ToList());
            case "string":
                return Match(t, X(t.Strings(0)), X(t.Strings(1)));
            default:
                throw new SieveRuntimeException(t.Line, $"unknown test '{t.Name}'");
        }
    }

    private bool Match(SieveCall t, IReadOnlyList<string> values, IReadOnlyList<string> keys)
    {
        if (!SieveMatching.Any(t, values, keys, out var groups))
        {
            return false;
        }
        if (groups is not null && _script.Extensions.Contains("variables"))
        {
            _variables.SetMatches(groups);
        }
        return true;
    }

    private static string Part(SieveCall t, string local, string domain) => t.AddressPart switch
    {
        "localpart" => local,
        "domain" => domain,
        _ => domain.Length == 0 ? local : local + "@" + domain,
    };

    private IEnumerable<(string Local, string Domain)> Envelope(string part)
    {
        var address = part.ToLowerInvariant() switch
        {
            "from" => _message.EnvelopeFrom,
            "to" => _message.EnvelopeTo,
            _ => null,
        };
        if (address is null)
        {
            yield break;
        }
        var at = address.LastIndexOf('@');
        yield return at < 0 ? (address, "") : (address[..at], address[(at + 1)..]);
    }

    private bool DateTest(SieveCall t)
    {
        var values = new List<string>();
        foreach (var raw in _message.Header(X(t.String(0)!)))
        {
            if (!DateUtils.TryParse(raw, out DateTimeOffset date))
            {
                continue; // RFC 5260 §4: an unparsable date does not match
            }
            // Without :originalzone the date is shown in :zone, or in UTC (the service's local zone).
            var shown = t.Has("originalzone") ? date : date.ToOffset(t.TagString("zone") is { } z ? SieveDates.Offset(z) : TimeSpan.Zero);
            if (SieveDates.Part(shown, X(t.String(1)!)) is { } part)
            {
                values.Add(part);
            }
            break; // the first occurrence of the header only (no "index" extension)
        }
        return Match(t, values, X(t.Strings(2)));
    }
}
