using Serverless.Mail.Sieve.Language;

namespace Serverless.Mail.Sieve;

/// <summary>The compiler behind ManageSieve PUTSCRIPT/CHECKSCRIPT and the API: a script is stored only if this says it is valid.</summary>
public sealed class SieveChecker : ISieveChecker
{
    public SieveCheckResult Check(string script)
    {
        try
        {
            SieveCompiler.Compile(script);
            return SieveCheckResult.Ok;
        }
        catch (SieveSyntaxException e)
        {
            return new SieveCheckResult(false, e.Line, e.Reason);
        }
    }
}
