return await Serverless.Bench.BenchProgram.RunAsync(args);
