using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Serverless.Bench.Micro -- --filter '*'   (BenchmarkDotNet's own options apply)
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
