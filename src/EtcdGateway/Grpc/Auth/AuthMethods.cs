using EtcdGateway.Grpc.Serving;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.AspNetCore.Server.Model;

namespace EtcdGateway.Grpc.Auth;

/// <summary>Binds etcd's Auth service (<c>etcdserverpb.Auth</c>) to <see cref="AuthService"/>, every type known at build time.</summary>
internal sealed class AuthMethods : IServiceMethodProvider<AuthService>
{
    private const string Service = "etcdserverpb.Auth";

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<AuthService> context)
    {
        context.AddUnaryMethod(ProtoMethods.Unary<AuthEnableRequest, AuthEnableResponse>(Service, "AuthEnable"), [], (s, r, c) => s.AuthEnable(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<AuthDisableRequest, AuthDisableResponse>(Service, "AuthDisable"), [], (s, r, c) => s.AuthDisable(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<AuthStatusRequest, AuthStatusResponse>(Service, "AuthStatus"), [], (s, r, c) => s.AuthStatus(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<AuthenticateRequest, AuthenticateResponse>(Service, "Authenticate"), [], (s, r, c) => s.Authenticate(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<AuthUserAddRequest, AuthUserAddResponse>(Service, "UserAdd"), [], (s, r, c) => s.UserAdd(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<AuthUserGetRequest, AuthUserGetResponse>(Service, "UserGet"), [], (s, r, c) => s.UserGet(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<AuthUserListRequest, AuthUserListResponse>(Service, "UserList"), [], (s, r, c) => s.UserList(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<AuthUserDeleteRequest, AuthUserDeleteResponse>(Service, "UserDelete"), [], (s, r, c) => s.UserDelete(r, c));
        context.AddUnaryMethod(
            ProtoMethods.Unary<AuthUserChangePasswordRequest, AuthUserChangePasswordResponse>(Service, "UserChangePassword"), [], (s, r, c) => s.UserChangePassword(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<AuthUserGrantRoleRequest, AuthUserGrantRoleResponse>(Service, "UserGrantRole"), [], (s, r, c) => s.UserGrantRole(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<AuthUserRevokeRoleRequest, AuthUserRevokeRoleResponse>(Service, "UserRevokeRole"), [], (s, r, c) => s.UserRevokeRole(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<AuthRoleAddRequest, AuthRoleAddResponse>(Service, "RoleAdd"), [], (s, r, c) => s.RoleAdd(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<AuthRoleGetRequest, AuthRoleGetResponse>(Service, "RoleGet"), [], (s, r, c) => s.RoleGet(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<AuthRoleListRequest, AuthRoleListResponse>(Service, "RoleList"), [], (s, r, c) => s.RoleList(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<AuthRoleDeleteRequest, AuthRoleDeleteResponse>(Service, "RoleDelete"), [], (s, r, c) => s.RoleDelete(r, c));
        context.AddUnaryMethod(
            ProtoMethods.Unary<AuthRoleGrantPermissionRequest, AuthRoleGrantPermissionResponse>(Service, "RoleGrantPermission"), [], (s, r, c) => s.RoleGrantPermission(r, c));
        context.AddUnaryMethod(
            ProtoMethods.Unary<AuthRoleRevokePermissionRequest, AuthRoleRevokePermissionResponse>(Service, "RoleRevokePermission"), [], (s, r, c) => s.RoleRevokePermission(r, c));
    }
}
