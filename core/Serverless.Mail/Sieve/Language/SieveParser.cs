namespace Serverless.Mail.Sieve.Language;

/// <summary>
/// Builds the syntax tree from the tokens (RFC 5228 §8.2); what the commands mean is checked
/// afterwards by <see cref="SieveCompiler"/>. Nesting is bounded so a hostile script cannot
/// exhaust the stack.
/// </summary>
public sealed class SieveParser
{
    public const int MaxNesting = 32;

    private readonly List<SieveToken> _tokens;
    private int _at;

    private SieveParser(List<SieveToken> tokens) => _tokens = tokens;

    public static IReadOnlyList<SieveCommandNode> Parse(string script)
    {
        var parser = new SieveParser(SieveLexer.Tokenize(script));
        var commands = parser.Commands(0);
        var next = parser.Peek;
        if (next.Kind != SieveTokenKind.End)
        {
            throw new SieveSyntaxException(next.Line, $"unexpected '{Describe(next)}'");
        }
        return commands;
    }

    private SieveToken Peek => _tokens[_at];

    private SieveToken Take() => _tokens[_at++];

    // commands = *command
    private List<SieveCommandNode> Commands(int depth)
    {
        var list = new List<SieveCommandNode>();
        while (Peek.Kind == SieveTokenKind.Identifier)
        {
            list.Add(Command(depth));
        }
        return list;
    }

    // command = identifier arguments (";" / block)
    // block   = "{" commands "}"
    private SieveCommandNode Command(int depth)
    {
        var name = Take();
        var (arguments, tests) = Arguments(depth);
        var next = Take();
        if (next.Kind == SieveTokenKind.Semicolon)
        {
            return new SieveCommandNode(name.Text, arguments, tests, null, name.Line);
        }
        if (next.Kind == SieveTokenKind.LeftBrace)
        {
            if (depth >= MaxNesting)
            {
                throw new SieveSyntaxException(next.Line, $"blocks nested deeper than {MaxNesting}");
            }
            var block = Commands(depth + 1);
            var close = Take();
            if (close.Kind != SieveTokenKind.RightBrace)
            {
                throw new SieveSyntaxException(close.Line, $"expected '}}' to end the block of '{name.Text}', found '{Describe(close)}'");
            }
            return new SieveCommandNode(name.Text, arguments, tests, block, name.Line);
        }
        throw new SieveSyntaxException(next.Line, $"expected ';' after '{name.Text}', found '{Describe(next)}'");
    }

    // arguments = *argument [ test / test-list ]
    // argument  = string-list / number / tag
    private (List<SieveArgument> Arguments, List<SieveTestNode> Tests) Arguments(int depth)
    {
        var arguments = new List<SieveArgument>();
        while (true)
        {
            var t = Peek;
            switch (t.Kind)
            {
                case SieveTokenKind.String:
                case SieveTokenKind.LeftBracket:
                    arguments.Add(StringList());
                    continue;
                case SieveTokenKind.Number:
                    Take();
                    arguments.Add(new SieveNumber(t.Number, t.Line));
                    continue;
                case SieveTokenKind.Tag:
                    Take();
                    arguments.Add(new SieveTag(t.Text, t.Line));
                    continue;
                case SieveTokenKind.Identifier:
                    return (arguments, [Test(depth)]);
                case SieveTokenKind.LeftParen:
                    return (arguments, TestList(depth));
                default:
                    return (arguments, []);
            }
        }
    }

    // test = identifier arguments
    private SieveTestNode Test(int depth)
    {
        if (depth >= MaxNesting)
        {
            throw new SieveSyntaxException(Peek.Line, $"tests nested deeper than {MaxNesting}");
        }
        var name = Take();
        if (name.Kind != SieveTokenKind.Identifier)
        {
            throw new SieveSyntaxException(name.Line, $"expected a test, found '{Describe(name)}'");
        }
        var (arguments, tests) = Arguments(depth + 1);
        return new SieveTestNode(name.Text, arguments, tests, name.Line);
    }

    // test-list = "(" test *("," test) ")"
    private List<SieveTestNode> TestList(int depth)
    {
        Take();
        var tests = new List<SieveTestNode> { Test(depth + 1) };
        while (true)
        {
            var t = Take();
            if (t.Kind == SieveTokenKind.RightParen)
            {
                return tests;
            }
            if (t.Kind != SieveTokenKind.Comma)
            {
                throw new SieveSyntaxException(t.Line, $"expected ',' or ')' in a test list, found '{Describe(t)}'");
            }
            tests.Add(Test(depth + 1));
        }
    }

    // string-list = "[" string *("," string) "]" / string
    // string      = quoted-string / multi-line
    private SieveStrings StringList()
    {
        var first = Take();
        if (first.Kind == SieveTokenKind.String)
        {
            return new SieveStrings([first.Text], false, first.Line);
        }
        var values = new List<string>();
        while (true)
        {
            var s = Take();
            if (s.Kind != SieveTokenKind.String)
            {
                throw new SieveSyntaxException(s.Line, $"expected a string in the list, found '{Describe(s)}'");
            }
            values.Add(s.Text);
            var t = Take();
            if (t.Kind == SieveTokenKind.RightBracket)
            {
                return new SieveStrings(values, true, first.Line);
            }
            if (t.Kind != SieveTokenKind.Comma)
            {
                throw new SieveSyntaxException(t.Line, $"expected ',' or ']' in a string list, found '{Describe(t)}'");
            }
        }
    }

    private static string Describe(SieveToken t) => t.Kind switch
    {
        SieveTokenKind.End => "end of script",
        SieveTokenKind.String => "string",
        SieveTokenKind.Number => t.Number.ToString(System.Globalization.CultureInfo.InvariantCulture),
        SieveTokenKind.Tag => ":" + t.Text,
        _ => t.Text,
    };
}
