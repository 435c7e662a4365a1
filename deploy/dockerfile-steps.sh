#!/usr/bin/env bash
# Runs deploy/Dockerfile's steps on this machine, for when no container engine is at hand, and checks
# the result. What it mirrors, step by step:
#   build stage   COPY NuGet.Config Directory.Build.props Directory.Packages.props .editorconfig ./
#                 COPY src/EtcdGateway/ src/EtcdGateway/          -> a fresh temp dir, without bin/ and obj/
#                 RUN mkdir -p /opt/nuget/packages                 -> the same, only if it is missing
#                 RUN apt-get install clang zlib1g-dev            -> the same, only if they are missing
#                 RUN ... dotnet publish ... --output /app         -> the same command, output to a temp dir;
#                                                                    TARGETARCH comes from uname -m
#   final stage   COPY --from=build /app/etcd-gateway /usr/local/bin/etcd-gateway
#                                                                  -> checks /app holds that one executable
#                                                                    file, copies it into a temp dir
#                 USER 1654                                        -> the runs below use UID/GID 1654 when
#                                                                    this script runs as root
#                 ENTRYPOINT ["/usr/local/bin/etcd-gateway", "start"]
#                                                                  -> runs `--version`, then `start` on a free
#                                                                    loopback port until "ready to proxy client
#                                                                    requests", then SIGTERM must give exit 0
#                 CMD [...]                                        -> when run as root: ENTRYPOINT + CMD in a
#                                                                    network namespace of its own, as a container
#                                                                    has, with a config file standing in for the
#                                                                    mounted one (its one endpoint is down); then
#                                                                    GET /status must give 200, GET /health 503,
#                                                                    and SIGTERM exit 0
# What it does not reproduce: the runtime-deps base image (the binary runs on this machine's libc
# and OpenSSL, not chiseled Ubuntu's) and the container's filesystem.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work=$(mktemp -d)
gateway_pid=
cleanup() {
  if [[ -n $gateway_pid ]] && kill -0 "$gateway_pid" 2>/dev/null; then kill -KILL "$gateway_pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

echo "== build stage: COPY (context $repo)"
mkdir -p "$work/src"
cd "$repo"
cp NuGet.Config Directory.Build.props Directory.Packages.props .editorconfig "$work/src/"
mkdir -p "$work/src/src"
tar -C "$repo/src" --exclude=bin --exclude=obj -cf - EtcdGateway | tar -C "$work/src/src" -xf -
echo "  $(find "$work/src" -type f | wc -l) files: $(cd "$work/src" && find . -maxdepth 1 -mindepth 1 -printf '%P ' | tr -s ' ')"

echo "== build stage: RUN mkdir -p /opt/nuget/packages"
if [[ -d /opt/nuget/packages ]]; then echo "  exists"; else mkdir -p /opt/nuget/packages && echo "  created"; fi

echo "== build stage: RUN apt-get install clang zlib1g-dev"
if command -v clang >/dev/null && [[ -e /usr/include/zlib.h ]]; then echo "  installed"; else
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang zlib1g-dev >/dev/null && echo "  installed now"
fi

echo "== build stage: RUN dotnet publish"
case "$(uname -m)" in
  x86_64) TARGETARCH=amd64 ;;
  aarch64) TARGETARCH=arm64 ;;
  *) fail "unsupported machine $(uname -m)" ;;
esac
cd "$work/src"
started=$SECONDS
case "${TARGETARCH:-amd64}" in
  amd64) rid=linux-x64 ;;
  arm64) rid=linux-arm64 ;;
  *) echo "unsupported TARGETARCH: $TARGETARCH" >&2; exit 1 ;;
esac
dotnet publish src/EtcdGateway/EtcdGateway.csproj \
  --configuration Release \
  --runtime "$rid" \
  --output "$work/app" \
  -p:DebugType=none \
  -p:StripSymbols=true \
  -nologo -v quiet -warnaserror
echo "  published for $rid in $((SECONDS - started))s"

echo "== final stage: COPY --from=build /app/etcd-gateway /usr/local/bin/etcd-gateway"
mapfile -t files < <(cd "$work/app" && find . -mindepth 1 -printf '%P\n' | sort)
[[ ${#files[@]} -eq 1 && ${files[0]} == etcd-gateway ]] || fail "expected /app to hold only etcd-gateway, found: ${files[*]}"
[[ -f $work/app/etcd-gateway && -x $work/app/etcd-gateway ]] || fail "/app/etcd-gateway is not an executable file"
[[ $(head -c 4 "$work/app/etcd-gateway" | od -An -c | tr -d ' ') == '177ELF' ]] || fail "/app/etcd-gateway is not an ELF binary"
echo "  /app holds one file: etcd-gateway, ELF executable, $(stat -c %s "$work/app/etcd-gateway") bytes"
install -d -m 0755 "$work/root/usr/local/bin"
install -m 0755 "$work/app/etcd-gateway" "$work/root/usr/local/bin/etcd-gateway"
chmod 0755 "$work"
binary="$work/root/usr/local/bin/etcd-gateway"

# ENV and USER of the final stage.
as_user=()
if [[ $(id -u) -eq 0 ]]; then
  as_user=(setpriv --reuid=1654 --regid=1654 --clear-groups)
  echo "== final stage: USER 1654 (runs below as UID/GID 1654)"
else
  echo "== final stage: USER 1654 (not root, so the runs below use UID $(id -u))"
fi
# A command prefix, not a function, so that $! below is the gateway itself: env and setpriv exec.
run=(env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/home/app "${as_user[@]}")

echo "== ENTRYPOINT --version"
version=$("${run[@]}" "$binary" --version) || fail "--version exited $?"
sed 's/^/  /' <<<"$version"
grep -q '^etcd-gateway Version: ' <<<"$version" || fail "--version printed no version line"

echo "== ENTRYPOINT [\"/usr/local/bin/etcd-gateway\", \"start\"] --listen-addr=127.0.0.1:0 --endpoints=127.0.0.1:1 --health-check=none"
log="$work/gateway.log"
touch "$log" && chmod 0666 "$log"
"${run[@]}" "$binary" start --listen-addr=127.0.0.1:0 --endpoints=127.0.0.1:1 --health-check=none 2>"$log" &
gateway_pid=$!
for _ in $(seq 150); do
  grep -q '"msg":"ready to proxy client requests"' "$log" && break
  kill -0 "$gateway_pid" 2>/dev/null || { cat "$log" >&2; fail "the gateway exited before it was ready"; }
  sleep 0.1
done
grep -q '"msg":"ready to proxy client requests"' "$log" || { cat "$log" >&2; fail "no ready line within 15s"; }
echo "  ready; sending SIGTERM"
kill -TERM "$gateway_pid"
set +e
wait "$gateway_pid"
code=$?
set -e
gateway_pid=
sed 's/^/  /' "$log"
[[ $code -eq 0 ]] || fail "exit code $code after SIGTERM, expected 0"
echo "  exit code 0 after SIGTERM"

# ENTRYPOINT + CMD exactly as the Dockerfile has them, but for the config file's path.
mapfile -t cmd < <(grep -E '^CMD \[' "$repo/deploy/Dockerfile" | grep -oE '"[^"]*"' | tr -d '"')
config="$work/gateway.yaml"
printf 'endpoints:\n  - 127.0.0.1:1\n' >"$config"
chmod 0644 "$config"
cmd=("${cmd[@]//\/etc\/etcd-gateway\/gateway.yaml/$config}")
echo "== ENTRYPOINT + CMD: start ${cmd[*]}"
if [[ $(id -u) -ne 0 ]] || ! command -v unshare >/dev/null || ! command -v nsenter >/dev/null || ! command -v curl >/dev/null; then
  echo "  NOT RUN: needs root, unshare, nsenter and curl (for a network namespace of its own)"
else
  log="$work/gateway-cmd.log"
  # unshare and sh exec, so $! is the gateway.
  unshare --net -- sh -c 'ip link set lo up && exec "$@"' sh "${run[@]}" "$binary" start "${cmd[@]}" 2>"$log" &
  gateway_pid=$!
  for _ in $(seq 150); do
    grep -q '"msg":"ready to proxy client requests"' "$log" && break
    kill -0 "$gateway_pid" 2>/dev/null || { cat "$log" >&2; fail "the gateway exited before it was ready"; }
    sleep 0.1
  done
  grep -q '"msg":"ready to proxy client requests"' "$log" || { cat "$log" >&2; fail "no ready line within 15s"; }
  in_netns() { nsenter --net="/proc/$gateway_pid/ns/net" "$@"; }
  status=$(in_netns curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9090/status)
  [[ $status == 200 ]] || fail "GET /status answered $status, expected 200"
  echo "  GET :9090/status -> 200"
  # The one endpoint is down: after two failed probes (about 2s) /health must say so.
  for _ in $(seq 100); do
    health=$(in_netns curl -s -w ' %{http_code}' http://127.0.0.1:9090/health | tr -d '\n')
    [[ $health == *' 503' ]] && break
    sleep 0.1
  done
  [[ $health == *' 503' ]] || fail "GET /health answered $health, expected 503 with the only endpoint down"
  echo "  GET :9090/health -> 503 ${health% 503}"
  kill -TERM "$gateway_pid"
  set +e
  wait "$gateway_pid"
  code=$?
  set -e
  gateway_pid=
  sed 's/^/  /' "$log"
  [[ $code -eq 0 ]] || fail "exit code $code after SIGTERM, expected 0"
  echo "  exit code 0 after SIGTERM"
fi
echo "OK: the Dockerfile's build steps produce a single executable that starts, is ready and stops cleanly"
