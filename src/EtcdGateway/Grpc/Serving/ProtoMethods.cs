using Google.Protobuf;
using Grpc.Core;

namespace EtcdGateway.Grpc.Serving;

/// <summary>
/// etcd's methods as the server side binds them: a <see cref="Method{TRequest,TResponse}"/> with the service's full
/// name, the method's name and protobuf marshallers, as the generated code makes them. The generated binding reaches
/// each method through a generic virtual call that the native runtime can only complete by building types at run time
/// (about half of the proxy's start); binding with these, every type is known when the executable is built.
/// </summary>
internal static class ProtoMethods
{
    public static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string service, string name)
        where TRequest : class, IMessage<TRequest>, IBufferMessage, new()
        where TResponse : class, IMessage<TResponse>, IBufferMessage, new() =>
        new(MethodType.Unary, service, name, MarshallerOf<TRequest>.Instance, MarshallerOf<TResponse>.Instance);

    public static Method<TRequest, TResponse> ServerStreaming<TRequest, TResponse>(string service, string name)
        where TRequest : class, IMessage<TRequest>, IBufferMessage, new()
        where TResponse : class, IMessage<TResponse>, IBufferMessage, new() =>
        new(MethodType.ServerStreaming, service, name, MarshallerOf<TRequest>.Instance, MarshallerOf<TResponse>.Instance);

    public static Method<TRequest, TResponse> DuplexStreaming<TRequest, TResponse>(string service, string name)
        where TRequest : class, IMessage<TRequest>, IBufferMessage, new()
        where TResponse : class, IMessage<TResponse>, IBufferMessage, new() =>
        new(MethodType.DuplexStreaming, service, name, MarshallerOf<TRequest>.Instance, MarshallerOf<TResponse>.Instance);

    /// <summary>One marshaller per message type: serialised straight into the call's buffer, parsed from its payload.</summary>
    private static class MarshallerOf<T>
        where T : class, IMessage<T>, IBufferMessage, new()
    {
        private static readonly MessageParser<T> Parser = new(() => new T());

        public static readonly Marshaller<T> Instance = Marshallers.Create<T>(
            (message, context) =>
            {
                context.SetPayloadLength(message.CalculateSize());
                message.WriteTo(context.GetBufferWriter());
                context.Complete();
            },
            context => Parser.ParseFrom(context.PayloadAsReadOnlySequence()));
    }
}
