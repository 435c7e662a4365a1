using EtcdGateway.Grpc.Forwarding;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;
using AuthApi = EtcdGateway.Protos.Etcdserverpb.Auth;

namespace EtcdGateway.Grpc.Auth;

/// <summary>etcd's Auth service, forwarded: tokens are the members' to issue and check; the proxy only carries them.</summary>
internal sealed class AuthService(AuthApi.AuthClient cluster) : AuthApi.AuthBase
{
    public override Task<AuthEnableResponse> AuthEnable(AuthEnableRequest request, ServerCallContext context) =>
        cluster.AuthEnableAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<AuthDisableResponse> AuthDisable(AuthDisableRequest request, ServerCallContext context) =>
        cluster.AuthDisableAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<AuthStatusResponse> AuthStatus(AuthStatusRequest request, ServerCallContext context) =>
        cluster.AuthStatusAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<AuthenticateResponse> Authenticate(AuthenticateRequest request, ServerCallContext context) =>
        cluster.AuthenticateAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<AuthUserAddResponse> UserAdd(AuthUserAddRequest request, ServerCallContext context) =>
        cluster.UserAddAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<AuthUserGetResponse> UserGet(AuthUserGetRequest request, ServerCallContext context) =>
        cluster.UserGetAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<AuthUserListResponse> UserList(AuthUserListRequest request, ServerCallContext context) =>
        cluster.UserListAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<AuthUserDeleteResponse> UserDelete(AuthUserDeleteRequest request, ServerCallContext context) =>
        cluster.UserDeleteAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<AuthUserChangePasswordResponse> UserChangePassword(AuthUserChangePasswordRequest request, ServerCallContext context) =>
        cluster.UserChangePasswordAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<AuthUserGrantRoleResponse> UserGrantRole(AuthUserGrantRoleRequest request, ServerCallContext context) =>
        cluster.UserGrantRoleAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<AuthUserRevokeRoleResponse> UserRevokeRole(AuthUserRevokeRoleRequest request, ServerCallContext context) =>
        cluster.UserRevokeRoleAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<AuthRoleAddResponse> RoleAdd(AuthRoleAddRequest request, ServerCallContext context) =>
        cluster.RoleAddAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<AuthRoleGetResponse> RoleGet(AuthRoleGetRequest request, ServerCallContext context) =>
        cluster.RoleGetAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<AuthRoleListResponse> RoleList(AuthRoleListRequest request, ServerCallContext context) =>
        cluster.RoleListAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<AuthRoleDeleteResponse> RoleDelete(AuthRoleDeleteRequest request, ServerCallContext context) =>
        cluster.RoleDeleteAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<AuthRoleGrantPermissionResponse> RoleGrantPermission(AuthRoleGrantPermissionRequest request, ServerCallContext context) =>
        cluster.RoleGrantPermissionAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<AuthRoleRevokePermissionResponse> RoleRevokePermission(AuthRoleRevokePermissionRequest request, ServerCallContext context) =>
        cluster.RoleRevokePermissionAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;
}
