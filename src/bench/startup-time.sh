#!/bin/sh
# Time from `java -jar` to readiness (every configured model loaded and warmed up), in seconds,
# for each jar given, alternating jars run by run so that load on a shared machine hits them alike.
#
#   src/bench/startup-time.sh RUNS JAR... [-- extra service arguments]
#
# Prints one line per start — wall time and the CPU time the process used until then (user +
# system, all its threads; on a loaded machine the wall time mostly measures the load) — and the
# load average before and after.
set -eu
runs=$1
shift
jars=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    jars="$jars $1"
    shift
done
[ $# -gt 0 ] && shift
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
i=0
while [ $i -lt "$runs" ]; do
    for jar in $jars; do
        port=$((20000 + $$ % 10000))
        start=$(date +%s.%N)
        DJL_OFFLINE=true java -jar "$jar" --server.port=$port --management.server.port=$((port + 1)) "$@" \
            >/tmp/startup-time.$$.log 2>&1 &
        pid=$!
        until curl -fs "http://127.0.0.1:$((port + 1))/actuator/health/readiness" >/dev/null 2>&1; do
            if ! kill -0 $pid 2>/dev/null; then
                echo "$jar exited before readiness; see /tmp/startup-time.$$.log" >&2
                exit 1
            fi
            sleep 0.1
        done
        end=$(date +%s.%N)
        ticks=$(awk '{print $14 + $15}' /proc/$pid/stat)
        kill $pid
        wait $pid 2>/dev/null || true
        echo "$jar run $((i + 1)): $(echo "$end - $start" | bc) s to readiness," \
            "$(echo "scale=2; $ticks / $(getconf CLK_TCK)" | bc) s of CPU"
    done
    i=$((i + 1))
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
