using Serverless.DevHost;

await DevHostApp.Build(args).RunAsync();
