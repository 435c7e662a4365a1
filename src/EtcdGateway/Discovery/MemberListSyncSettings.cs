using EtcdGateway.Health;

namespace EtcdGateway.Discovery;

/// <summary>What <see cref="MemberListSync"/> reads from the live options each round: how often, and the TLS files and timeout of its requests.</summary>
internal sealed record MemberListSyncSettings(TimeSpan Interval, HealthOptions Health);
