using System.Reflection;
using Edge.Host.Cli;
using Edge.Host.Hosting;

namespace Edge.Host;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // First: the runtime reads this when any shared array pool is first used.
        SharedBufferPool.Configure();
        if (args.Length > 0 && Array.IndexOf(Cli.Client.ClientCommands.Commands, args[0]) >= 0)
        {
            // A client of a running host's deploy API.
            using var cancel = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = true;
                cancel.Cancel();
            };
            return await new Cli.Client.ClientCommands(Console.Out, Console.Error, Console.In, Environment.GetEnvironmentVariable)
                .RunAsync(args[0], args[1..], cancel.Token);
        }

        var command = CommandLine.Parse(args);
        if (command.Error is not null)
        {
            await Console.Error.WriteLineAsync(command.Error);
            await Console.Error.WriteLineAsync(CommandLine.Usage);
            return 2;
        }

        switch (command.Command)
        {
            case "version":
                Console.WriteLine(typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown");
                return 0;
            case "help":
                Console.WriteLine(CommandLine.Usage);
                return 0;
        }

        Microsoft.AspNetCore.Builder.WebApplication app;
        try
        {
            app = command.Command switch
            {
                "relay" => RelayApplication.Build(command.ConfigFile, command.Overrides),
                "access" => AccessApplication.Build(command.ConfigFile, command.Overrides),
                _ => EdgeApplication.Build(command.ConfigFile, command.Overrides),
            };
        }
        catch (EdgeConfigurationException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 2;
        }

        try
        {
            await app.RunAsync();
        }
        catch (EdgeConfigurationException ex)
        {
            // A function refused to start (IFunctionLifecycle.StartAsync): nothing was served.
            await Console.Error.WriteLineAsync(ex.Message);
            return 2;
        }

        return 0;
    }
}
