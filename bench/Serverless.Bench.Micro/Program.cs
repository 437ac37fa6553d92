using BenchmarkDotNet.Running;
using Serverless.Bench.Micro;

// dotnet run -c Release --project bench/Serverless.Bench.Micro -- --filter '*'   (BenchmarkDotNet's own options apply)
// --spam-quality <corpus dir> [train per class] [token cap]: the classifier's quality (scripts/spam-quality.sh).
if (args.Length >= 2 && args[0] == "--spam-quality")
{
    return SpamQuality.Run(args[1], args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 500,
        args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : Serverless.Mail.Spam.Learning.SpamLearningOptions.DefaultMaxTokens);
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
