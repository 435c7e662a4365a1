# The L7 part of scripts/demo, sourced by it: `etcd-gateway grpc-proxy start` in front of the same cluster. etcdctl
# through the proxy (put/get/txn/watch/lease keep-alive), a namespaced proxy, proxies registered and listed as
# members, a member hung with SIGSTOP while a writer writes and the watch keeps delivering, then serializable reads
# answered from the cache.
# Uses the demo's helpers (section, say, ok, fail, run, background, wait_for, ...) and variables.

RESOLVER_PREFIX=___grpc_proxy_endpoint
declare -a watch_base=() acked=()  # watchers per member before the watch; puts the cluster acknowledged

# ---------------------------------------------------------------- helpers
member_addr() { printf '127.0.0.1:%s' "${CLIENT_PORTS[$1]}"; }
now_us() { printf '%s' "${EPOCHREALTIME/./}"; }
comma_list() { local IFS=,; local text="$*"; printf '%s' "${text//,/, }"; }  # 2, 3, 5
log_us() { date -d "$1" +%s%6N; }  # a log line's "ts" in microseconds since the epoch

proxy_started() {  # proxy_started <name>: its "started gRPC proxy" line is there; fails the demo if it exited instead
  grep -q '"msg":"started gRPC proxy"' "$tmp/$1.log" && return 0
  kill -0 "${proxies[$1]}" 2>/dev/null || { indent "$(cat "$tmp/$1.log")"; fail "the $1 exited before serving"; }
  return 1
}
start_proxy() {  # start_proxy <name> <listen-addr> [flags...]: start a proxy in front of the cluster, wait until it serves
  local name=$1 addr=$2; shift 2
  local cmd=(out/etcd-gateway grpc-proxy start --endpoints=$MEMBERS --listen-addr=$addr "$@")
  printf '%s$ %s &%s\n' "$C" "${cmd[*]}" "$N"
  "${cmd[@]}" 2>"$tmp/$name.log" &
  proxies[$name]=$!
  wait_for 20 "the $name's 'started gRPC proxy' line" proxy_started "$name"
  ok "the $name serves on $addr (pid ${proxies[$name]}, log $tmp/$name.log)"
}
stop_proxy() {  # stop_proxy <name>: SIGTERM, as systemd or Kubernetes stops it; it must exit 0
  local pid=${proxies[$1]} rc=0
  printf '%s$ kill -TERM %s%s\n' "$C" "$pid" "$N"
  kill -TERM "$pid"; wait_gone "$pid"; wait "$pid" 2>/dev/null || rc=$?
  unset "proxies[$1]"
  [[ $rc == 0 ]] || fail "the $1 exited with $rc on SIGTERM; see $tmp/$1.log"
}
registered() { grep -q '"msg":"registered session with lease"' "$tmp/$1.log"; }
listed() {  # listed <addr>: member list through the proxy shows it
  [[ $(ectl member list 2>/dev/null) == *"$1"* ]]
}
watchers_on() {  # watchers_on <i>: the watchers member i holds, from its own /metrics (never ask a hung member)
  local n; n=$(http_get_from "$(member_addr "$1")" /metrics | awk '$1 == "etcd_debugging_mvcc_watcher_total" {print $2}')
  [[ $n =~ ^[0-9]+$ ]] || fail "no etcd_debugging_mvcc_watcher_total in ${NAMES[$1]}'s /metrics"
  printf '%s' "$n"
}
ranges_served() {  # the Range calls the three members have answered, from their own /metrics
  local i n total=0
  for i in 0 1 2; do
    n=$(http_get_from "$(member_addr "$i")" /metrics | awk '$1 ~ /^grpc_server_handled_total\{/ && $1 ~ /grpc_method="Range"/ {s += $2} END {print s + 0}')
    total=$((total + n))
  done
  printf '%s' "$total"
}
cached_value_is() { [[ $(ectl get l7/cached --consistency=s --print-value-only 2>/dev/null) == "$1" ]]; }
watched_counts() { awk 'prev == "l7/count" {print} {prev = $0}' "$tmp/l7-watch.out"; }
delivered_all() {  # every acknowledged put of l7/count is in the watch's output, once each and in order
  local seen; seen=$(watched_counts | grep -xF -f <(printf '%s\n' "${acked[@]}") | tr '\n' ' ')
  [[ $seen == "${acked[*]} " ]]
}
kept_alive() {  # kept_alive <granted-us>: 4 s have passed since the grant and keep-alive renewed it at least 3 times
  (( $(now_us) - $1 >= 4000000 )) && (( $(grep -c keepalived "$tmp/keepalive.out") >= 3 ))
}

# ---------------------------------------------------------------- steps
restart_killed() {
  section "Bringing ${NAMES[killed]} back"
  say "the member killed above restarts from its data dir and rejoins; the proxy steps want all three"
  printf '%s$ %s &%s\n' "$C" "${cmds[killed]}" "$N"
  ${cmds[killed]} >>"$tmp/${NAMES[killed]}.log" 2>&1 &
  pids[killed]=$!
  wait_for 30 "${NAMES[killed]} to become healthy" healthy "${CLIENT_PORTS[killed]}"
  ok "${NAMES[killed]} is back (pid ${pids[killed]})"
}

proxy_basics() {
  section "The L7 gRPC proxy"
  say "the same binary as etcd's 'grpc-proxy start': it serves etcd's gRPC API itself and sends each call to a"
  say "healthy member (the L4 gateway above only moves bytes). This one also registers itself, for the member list below."
  start_proxy proxy $PROXY --resolver-prefix=$RESOLVER_PREFIX --advertise-client-url=$PROXY --resolver-ttl=10
  target=$PROXY
  say "from here on, every etcdctl runs as: ETCDCTL_API=3 etcdctl --endpoints=$PROXY ..."
  say "gRPC and HTTP/1.1 share the port; /health there is etcd's proxy's: a linearizable read through the proxy"
  printf '%s$ curl http://%s/health%s\n' "$C" "$PROXY" "$N"
  local health; health=$(http_get_from "$PROXY" /health) || fail "the proxy did not answer /health"
  indent "$health"
  [[ $health == *'"health":"true"'* ]] || fail "/health through the proxy should say true"

  run put l7/greeting hello;              expect OK
  run get l7/greeting;                    expect $'l7/greeting\nhello'
  run --stdin $'value("l7/greeting") = "hello"\n\nput l7/result "greeting was hello"\n\nput l7/result "greeting changed"' txn
  expect SUCCESS
  run get l7/result;                      expect "greeting was hello"

  section "Watch and lease keep-alive through the proxy"
  say "a watch on the l7/ prefix from the next revision; it stays open for the hung-member step below"
  local i rev; for i in 0 1 2; do watch_base[i]=$(watchers_on "$i"); done
  rev=$(ectl get l7/greeting -w json | grep -o '"revision":[0-9]*' | head -1 | cut -d: -f2)
  background "$tmp/l7-watch.out" watch --prefix l7/ --rev=$((rev + 1))
  run put l7/greeting bonjour;            expect OK
  wait_for 10 "the watch to report the put" saw "$tmp/l7-watch.out" bonjour
  say "the watcher saw:"; indent "$(cat "$tmp/l7-watch.out")"

  say "a 3 s lease, renewed by 'lease keep-alive' over a stream through the proxy, outlives its TTL, and its key with it"
  run lease grant 3;                      expect granted
  local lease granted; lease=$(awk '{print $2}' <<<"$out"); granted=$(now_us)
  run put --lease="$lease" l7/session alive; expect OK
  background "$tmp/keepalive.out" lease keep-alive "$lease"
  wait_for 15 "4 s of keep-alives" kept_alive "$granted"
  indent "$(cat "$tmp/keepalive.out")"
  stop_background
  run get l7/session --print-value-only;  [[ $out == alive ]] || fail "l7/session is gone: keep-alive did not renew the lease"
  ok "4 s after a 3 s grant, l7/session is still there"
  run lease revoke "$lease";              expect revoked
}

proxy_namespace() {
  section "A namespace"
  say "a second proxy with --namespace=demo/: its clients see the keys under demo/ as the whole key space"
  start_proxy ns-proxy $NS_PROXY --namespace=demo/ --advertise-client-url=$NS_PROXY
  run --at $NS_PROXY put fruit apple;     expect OK
  run --at $NS_PROXY get fruit;           expect $'fruit\napple'
  say "a member, asked directly, holds it under the prefix:"
  run --at "$(member_addr 0)" get --prefix demo/; expect $'demo/fruit\napple'
  say "and nothing outside demo/ shows through the namespaced proxy: its whole key space is that one key"
  run --at $NS_PROXY get '' --prefix --keys-only
  [[ $out == fruit ]] || fail "expected only 'fruit' through the namespaced proxy"
  run --at $NS_PROXY get l7/greeting;     [[ -z $out ]] || fail "l7/greeting, outside demo/, is visible through the namespaced proxy"
}

proxy_registration() {
  section "Registration: proxies listed as members"
  say "a third proxy registers under the same --resolver-prefix; each keeps its key PREFIX/ADDR alive under a 10 s lease"
  start_proxy proxy2 $PROXY2 --resolver-prefix=$RESOLVER_PREFIX --advertise-client-url=$PROXY2 --resolver-ttl=10
  wait_for 10 "both proxies to register" eval 'registered proxy && registered proxy2'
  run --at "$(member_addr 0)" get --prefix $RESOLVER_PREFIX --keys-only
  expect "$RESOLVER_PREFIX/$PROXY";       expect "$RESOLVER_PREFIX/$PROXY2"
  say "member list through a registered proxy answers with the registered proxies, so a client that syncs its endpoints"
  say "from the member list spreads over them"
  wait_for 5 "member list to show both proxies" eval 'listed $PROXY && listed $PROXY2'
  run member list -w table;               expect "$PROXY"; expect "$PROXY2"
  say "a proxy stopped with SIGTERM revokes its lease and leaves the list at once (one killed with -9: when its lease runs out)"
  stop_proxy proxy2
  wait_for 5 "$PROXY2 to leave the member list" eval '! listed $PROXY2'
  run member list -w table;               expect "$PROXY"; [[ $out != *"$PROXY2"* ]] || fail "$PROXY2 is still listed"
}

# The hung-member step, in parts that share these: the member hung, when, and what the writer did.
hung='' stopped_at=0 puts=0 out_at=0
declare -a failed=() started=() before=()

find_watched_member() {  # sets $hung to the member that holds the watch opened in proxy_basics
  local i c
  hung=''
  for i in 0 1 2; do c=$(watchers_on "$i"); (( c > watch_base[i] )) && hung=$i; done
  [[ -n $hung ]] || fail "could not tell which member holds the watch"
  say "the watch opened above is on ${NAMES[hung]}: its etcd_debugging_mvcc_watcher_total went up by one when the watch began"
  if is_leader "${CLIENT_PORTS[hung]}"; then
    local to=$(((hung + 1) % 3)) id
    id=$(etcdctl --endpoints="$(member_addr $to)" endpoint status | awk -F', ' '{print $2}')
    say "${NAMES[hung]} is also the leader; hung, it would stall every write for an election, so leadership goes to ${NAMES[to]} first"
    run --at "$(member_addr "$hung")" move-leader "$id"; expect "transferred"
  fi
}
write_while_hung() {  # SIGSTOP the member, then put l7/count=1,2,3,... through the proxy for 8 s
  local i
  for i in 0 1 2; do (( i == hung )) || before[i]=$(watchers_on "$i"); done
  say "SIGSTOP freezes ${NAMES[hung]}: it still accepts connections but answers nothing"
  printf '%s$ kill -STOP %s%s\n' "$C" "${pids[hung]}" "$N"
  stopped_at=$(now_us)
  kill -STOP "${pids[hung]}"; stopped_pid=${pids[hung]}

  say "meanwhile a writer puts l7/count=1,2,3,... through the proxy for 8 s, each put with a 2 s timeout"
  printf '%s$ n=0; while ...; do etcdctl --command-timeout=2s put l7/count $((++n)); sleep 0.2; done%s\n ' "$C" "$N"
  puts=0 acked=() failed=() started=()
  while (( $(now_us) - stopped_at < 8000000 )); do
    puts=$((puts + 1)); started[puts]=$(now_us)
    if ectl --command-timeout=2s put l7/count "$puts" >/dev/null 2>&1; then acked+=("$puts"); printf ' %s:ok' "$puts"
    else failed+=("$puts"); printf ' %s%s:FAILED%s' "$R" "$puts" "$N"; fi
    sleep 0.2
  done
  echo
}
logged_since() {  # logged_since <msg> <us>: the proxy's log lines with that msg about the hung member, from <us> on
  local line
  grep -F "\"msg\":\"$1\"" "$tmp/proxy.log" | grep -F "\"address\":\"$(member_addr "$hung")\"" | while IFS= read -r line; do
    (( $(log_us "$(grep -o '"ts":"[^"]*"' <<<"$line" | cut -d'"' -f4)") >= $2 )) && printf '%s\n' "$line"
  done || true
}
check_taken_out() {  # the proxy took the member out of rotation, and every put started after that succeeded
  local line i late=0 after=0
  line=$(logged_since "deactivated endpoint" "$stopped_at" | head -1)
  [[ -n $line ]] || fail "the proxy never took ${NAMES[hung]} out of rotation"
  out_at=$(log_us "$(grep -o '"ts":"[^"]*"' <<<"$line" | cut -d'"' -f4)")
  (( out_at - stopped_at < 6000000 )) || fail "the proxy took ${NAMES[hung]} out of rotation only $(( (out_at - stopped_at) / 1000 )) ms after it froze"
  say "the proxy's probes took ${NAMES[hung]} out of rotation $(( (out_at - stopped_at) / 100000 ))00 ms after it froze; calls still on it"
  say "were ended one --eject-grace (1 s) later:"
  printf '%s$ grep -e "deactivated endpoint" -e "ejected endpoint" %s%s\n' "$C" "$tmp/proxy.log" "$N"
  indent "$(logged_since "deactivated endpoint" "$stopped_at"; logged_since "closing connections to an ejected endpoint" "$stopped_at")"
  for ((i = 1; i <= puts; i++)); do
    (( started[i] > out_at )) || continue
    after=$((after + 1))
    [[ " ${failed[*]} " != *" $i "* ]] || late=$((late + 1))
  done
  (( after >= 5 )) || fail "only $after puts were made after ${NAMES[hung]} left rotation"
  (( late == 0 )) || fail "$late of the $after puts started after ${NAMES[hung]} left rotation failed"
  ok "all $after puts started after that succeeded${failed[*]:+ (put $(comma_list "${failed[@]}"), started before, failed)}"
}
check_watch_delivered() {  # every acknowledged put reached the watch while the member was still frozen, and the watch moved
  local i c moved='' seen
  for _ in {1..50}; do delivered_all && break; sleep 0.1; done
  delivered_all || fail "the watch did not deliver every acknowledged put while ${NAMES[hung]} was hung; it saw: $(watched_counts | tr '\n' ' ')"
  ok "the watch delivered all ${#acked[@]} acknowledged puts, in order, each once, with ${NAMES[hung]} still frozen"
  seen=$(watched_counts | tail -1)
  run get l7/count --print-value-only;    [[ $out == "$seen" ]] || fail "get l7/count gave '$out', the watch's last value is '$seen'"
  for i in 0 1 2; do
    (( i != hung )) || continue
    c=$(watchers_on "$i"); (( c <= before[i] )) || moved=${NAMES[i]}
  done
  [[ -n $moved ]] || fail "no other member took the watch over from ${NAMES[hung]}"
  say "the watch now lives on $moved: its watcher count went up by one"
  say "how: one --eject-grace after the member left rotation, the proxy moved the watch's stream itself: it watched again on a"
  say "member in rotation from the revision after the last one delivered, under the same watch id, and kept the second"
  say "Created response to itself; etcdctl's stream never broke, so clients that do not resume on their own keep theirs too."
}
wake_member() {  # SIGCONT; the proxy puts it back; a put that timed out may have been applied after all
  local woke f applied=()
  say "SIGCONT: ${NAMES[hung]} answers again and the proxy's probes put it back in rotation"
  printf '%s$ kill -CONT %s%s\n' "$C" "${pids[hung]}" "$N"
  woke=$(now_us)
  kill -CONT "${pids[hung]}"; stopped_pid=''
  wait_for 15 "the proxy to put ${NAMES[hung]} back" eval '[[ -n $(logged_since activated "$woke") ]]'
  printf '%s$ grep activated %s%s\n' "$C" "$tmp/proxy.log" "$N"
  indent "$(logged_since activated "$woke")"
  for f in "${failed[@]}"; do watched_counts | grep -qx "$f" && applied+=("$f"); done
  if ((${#applied[@]})); then
    say "put $(comma_list "${applied[@]}") timed out but was applied once ${NAMES[hung]} woke (the watch shows it): with etcd a"
    say "timeout means 'unknown', not 'not written', through a proxy or not"
  fi
}
proxy_hung_member() {
  section "A hung member, with a watch open and a writer writing"
  find_watched_member
  write_while_hung
  check_taken_out
  check_watch_delivered
  wake_member
  stop_background  # the watch
}

proxy_cache() {  # last: the cache's own watchers on the members would blur the hung-member step's watcher counts
  section "Serializable reads from the proxy's cache"
  say "a serializable get (--consistency=s) is answered by the proxy once a member has answered it, for the same caller;"
  say "a watch on the cluster drops the answer as soon as the key changes, wherever the write was made"
  run put l7/cached first;                expect OK
  local i before after; before=$(ranges_served)
  for i in $(seq 20); do ectl get l7/cached --consistency=s --print-value-only >/dev/null || fail "a serializable get failed"; done
  after=$(ranges_served)
  ok "20 serializable gets through the proxy cost the members $((after - before)) Range calls (their own grpc_server_handled_total)"
  say "a write made directly to ${NAMES[0]}, not through the proxy:"
  run --at "$(member_addr 0)" put l7/cached second; expect OK
  wait_for 5 "the proxy's cached answer to change" cached_value_is second
  run get l7/cached --consistency=s --print-value-only; expect second
}

grpc_proxy() {
  restart_killed
  proxy_basics
  proxy_namespace
  proxy_registration
  proxy_hung_member
  proxy_cache
}
