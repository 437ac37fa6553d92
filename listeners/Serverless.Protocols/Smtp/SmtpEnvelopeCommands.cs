namespace Serverless.Protocols.Smtp;

/// <summary>MAIL FROM with its parameters (RFC 1870 SIZE, RFC 6152 BODY, RFC 6531 SMTPUTF8, RFC 3461 RET/ENVID, RFC 4954 AUTH).</summary>
public sealed record MailFromCommand(SmtpPath ReversePath)
{
    public long? Size { get; init; }

    /// <summary>"7BIT" or "8BITMIME" (upper case), or null when not given.</summary>
    public string? Body { get; init; }

    public bool SmtpUtf8 { get; init; }

    /// <summary>"FULL" or "HDRS", or null.</summary>
    public string? Ret { get; init; }

    /// <summary>ENVID, xtext-decoded.</summary>
    public string? EnvelopeId { get; init; }

    /// <summary>The MAIL AUTH= identity, xtext-decoded ("&lt;&gt;" when unknown).</summary>
    public string? Auth { get; init; }
}

/// <summary>RCPT TO with its RFC 3461 parameters.</summary>
public sealed record RcptToCommand(SmtpPath ForwardPath)
{
    /// <summary>"NEVER" or a comma-separated subset of SUCCESS, FAILURE, DELAY (upper case).</summary>
    public string? Notify { get; init; }

    /// <summary>ORCPT as "addr-type;address", xtext-decoded, e.g. "rfc822;user@example.com".</summary>
    public string? OriginalRecipient { get; init; }
}

/// <summary>
/// Parses the arguments of MAIL and RCPT. RFC 5321 4.1.1.2 / 4.1.1.3 and 4.1.2:
/// <code>
/// mail            = "MAIL FROM:" Reverse-path [SP Mail-parameters] CRLF
/// rcpt            = "RCPT TO:" ( "&lt;Postmaster@" Domain "&gt;" / "&lt;Postmaster&gt;" / Forward-path ) [SP Rcpt-parameters] CRLF
/// Mail-parameters = esmtp-param *(SP esmtp-param)
/// Rcpt-parameters = esmtp-param *(SP esmtp-param)
/// esmtp-param     = esmtp-keyword ["=" esmtp-value]
/// esmtp-keyword   = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
/// esmtp-value     = 1*(%d33-60 / %d62-126)          ; RFC 6531: =/ UTF8-non-ascii
/// size-param      = "SIZE=" 1*20DIGIT                ; RFC 1870
/// body-param      = "BODY=" ("7BIT" / "8BITMIME")    ; RFC 6152
/// ret-param       = "RET=" ("FULL" / "HDRS")         ; RFC 3461
/// envid-param     = "ENVID=" xtext
/// notify-param    = "NOTIFY=" ("NEVER" / 1#("SUCCESS" / "FAILURE" / "DELAY"))
/// orcpt-param     = "ORCPT=" addr-type ";" xtext
/// </code>
/// Like most MTAs, a space after the colon is tolerated ("MAIL FROM: &lt;a@b&gt;").
/// </summary>
public static class SmtpEnvelopeParser
{
    public static SmtpParseResult<MailFromCommand> ParseMailFrom(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (!argument.StartsWith("FROM:", StringComparison.OrdinalIgnoreCase))
        {
            return SmtpParseResult<MailFromCommand>.Fail(501, "5.5.4", "Syntax: MAIL FROM:<address>");
        }
        var i = SkipSpaces(argument, 5);
        var path = SmtpPathParser.Parse(argument, ref i, allowNull: true, allowBarePostmaster: false);
        if (!path.Ok)
        {
            return SmtpParseResult<MailFromCommand>.Fail(path.Error!);
        }
        var parameters = ParseParameters(argument, i);
        if (!parameters.Ok)
        {
            return SmtpParseResult<MailFromCommand>.Fail(parameters.Error!);
        }
        var command = new MailFromCommand(path.Value!);
        foreach (var (key, value) in parameters.Value!)
        {
            switch (key)
            {
                case "SIZE":
                    if (value is null || value.Length is 0 or > 20 || !value.All(char.IsAsciiDigit))
                    {
                        return SmtpParseResult<MailFromCommand>.Fail(501, "5.5.4", "Bad SIZE value");
                    }
                    command = command with { Size = value.Length > 18 ? long.MaxValue : long.Parse(value, System.Globalization.CultureInfo.InvariantCulture) };
                    break;
                case "BODY":
                    var body = value?.ToUpperInvariant();
                    if (body is not ("7BIT" or "8BITMIME"))
                    {
                        return SmtpParseResult<MailFromCommand>.Fail(555, "5.5.4", "BODY must be 7BIT or 8BITMIME");
                    }
                    command = command with { Body = body };
                    break;
                case "SMTPUTF8":
                    if (value is not null)
                    {
                        return SmtpParseResult<MailFromCommand>.Fail(501, "5.5.4", "SMTPUTF8 takes no value");
                    }
                    command = command with { SmtpUtf8 = true };
                    break;
                case "RET":
                    var ret = value?.ToUpperInvariant();
                    if (ret is not ("FULL" or "HDRS"))
                    {
                        return SmtpParseResult<MailFromCommand>.Fail(501, "5.5.4", "RET must be FULL or HDRS");
                    }
                    command = command with { Ret = ret };
                    break;
                case "ENVID":
                    if (value is null || value.Length > 100 || !XText.TryDecode(value, out var envid))
                    {
                        return SmtpParseResult<MailFromCommand>.Fail(501, "5.5.4", "Bad ENVID value");
                    }
                    command = command with { EnvelopeId = envid };
                    break;
                case "AUTH":
                    if (value is null || !XText.TryDecode(value, out var auth))
                    {
                        return SmtpParseResult<MailFromCommand>.Fail(501, "5.5.4", "Bad AUTH value");
                    }
                    command = command with { Auth = auth };
                    break;
                default:
                    return SmtpParseResult<MailFromCommand>.Fail(555, "5.5.4", $"Unsupported parameter {key}");
            }
        }
        return SmtpParseResult<MailFromCommand>.Success(command);
    }

    public static SmtpParseResult<RcptToCommand> ParseRcptTo(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (!argument.StartsWith("TO:", StringComparison.OrdinalIgnoreCase))
        {
            return SmtpParseResult<RcptToCommand>.Fail(501, "5.5.4", "Syntax: RCPT TO:<address>");
        }
        var i = SkipSpaces(argument, 3);
        var path = SmtpPathParser.Parse(argument, ref i, allowNull: false, allowBarePostmaster: true);
        if (!path.Ok)
        {
            return SmtpParseResult<RcptToCommand>.Fail(path.Error!);
        }
        var parameters = ParseParameters(argument, i);
        if (!parameters.Ok)
        {
            return SmtpParseResult<RcptToCommand>.Fail(parameters.Error!);
        }
        var command = new RcptToCommand(path.Value!);
        foreach (var (key, value) in parameters.Value!)
        {
            switch (key)
            {
                case "NOTIFY":
                    var notify = value?.ToUpperInvariant().Split(',');
                    if (notify is null || notify.Length == 0 || notify.Distinct().Count() != notify.Length
                        || (notify.Contains("NEVER") && notify.Length > 1)
                        || notify.Any(n => n is not ("NEVER" or "SUCCESS" or "FAILURE" or "DELAY")))
                    {
                        return SmtpParseResult<RcptToCommand>.Fail(501, "5.5.4", "Bad NOTIFY value");
                    }
                    command = command with { Notify = string.Join(',', notify) };
                    break;
                case "ORCPT":
                    var semi = value?.IndexOf(';', StringComparison.Ordinal) ?? -1;
                    if (value is null || semi <= 0 || value.Length > 500 || !XText.TryDecode(value[(semi + 1)..], out var original))
                    {
                        return SmtpParseResult<RcptToCommand>.Fail(501, "5.5.4", "Bad ORCPT value");
                    }
                    command = command with { OriginalRecipient = value[..semi] + ";" + original };
                    break;
                default:
                    return SmtpParseResult<RcptToCommand>.Fail(555, "5.5.4", $"Unsupported parameter {key}");
            }
        }
        return SmtpParseResult<RcptToCommand>.Success(command);
    }

    /// <summary>Parameters after the path: keyword upper-cased, value as given (null when absent). Duplicates are refused.</summary>
    private static SmtpParseResult<List<KeyValuePair<string, string?>>> ParseParameters(string text, int index)
    {
        var result = new List<KeyValuePair<string, string?>>();
        if (index < text.Length && text[index] != ' ')
        {
            return SmtpParseResult<List<KeyValuePair<string, string?>>>.Fail(501, "5.5.4", "Expected a space after the address");
        }
        foreach (var token in text[index..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = token.IndexOf('=', StringComparison.Ordinal);
            var key = (eq < 0 ? token : token[..eq]).ToUpperInvariant();
            var value = eq < 0 ? null : token[(eq + 1)..];
            if (key.Length == 0 || !char.IsAsciiLetterOrDigit(key[0]) || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
                || (value is not null && (value.Length == 0 || value.Any(c => c is '=' or < '!' || c == 127))))
            {
                return SmtpParseResult<List<KeyValuePair<string, string?>>>.Fail(501, "5.5.4", "Bad parameter syntax");
            }
            if (result.Any(p => p.Key == key))
            {
                return SmtpParseResult<List<KeyValuePair<string, string?>>>.Fail(501, "5.5.4", $"Duplicate parameter {key}");
            }
            result.Add(new(key, value));
        }
        return SmtpParseResult<List<KeyValuePair<string, string?>>>.Success(result);
    }

    private static int SkipSpaces(string text, int index)
    {
        while (index < text.Length && text[index] == ' ')
        {
            index++;
        }
        return index;
    }
}
