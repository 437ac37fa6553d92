namespace Serverless.Cli;

/// <summary>What <c>smail</c> exits with, for scripts (README "Admin CLI").</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Something unexpected (a bug): the exception is printed.</summary>
    public const int Unexpected = 1;

    /// <summary>The command line is wrong (unknown command, missing argument, no key or tenant given).</summary>
    public const int Usage = 2;

    /// <summary>The API refused the request (4xx: bad input, wrong key, not found, conflict, too many failures).</summary>
    public const int Refused = 3;

    /// <summary>The API failed (5xx), could not be reached, or answered with something that is not the API's JSON.</summary>
    public const int Unavailable = 4;

    /// <summary><c>domains dns-check</c>: some record is missing or different, or DNS did not answer.</summary>
    public const int DnsNotReady = 5;
}
