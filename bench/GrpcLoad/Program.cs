using GrpcLoad;

// grpc-load: the load generator of bench/grpc. One run, one JSON line on stdout (see LoadOptions.Usage).
LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"grpc-load: {e.Message}");
    Console.Error.WriteLine(LoadOptions.Usage);
    return 2;
}
try
{
    var result = options.Mode switch
    {
        "watch" => await WatchLoad.RunAsync(options),
        "lease" => await LeaseLoad.RunAsync(options),
        "first-rpc" => await FirstRpc.RunAsync(options),
        _ => await UnaryLoad.RunAsync(options),
    };
    Console.WriteLine(result);
    return 0;
}
catch (Exception e)
{
    Console.Error.WriteLine($"grpc-load: {options.Mode} against {options.Endpoint} failed: {e.GetType().Name}: {e.Message}");
    return 1;
}
