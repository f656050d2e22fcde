#!/usr/bin/env bash
# The Slurm test: a real single-node Slurm (Debian's slurm-wlm and munge, installed when missing;
# configuration for 127.0.0.1 in a temporary directory) runs the plan of a tiny experiment as a job
# array; collect must report every run, with the same numbers as the same experiment run locally;
# a kernel planned in blocks must collect into the kernel computed in one piece.
# Needs root. Writes test-results/slurm.json; stops the daemons it started (by their pid files).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
mkdir -p test-results
T=$(mktemp -d /tmp/ntk-at-slurm.XXXXXX)
RESULTS=$T/results.tsv
: > "$RESULTS"
START=$(date +%s)
CLI=(node "$ROOT/dist/cli.js")
export SLURM_CONF=$T/slurm.conf
STARTED_MUNGED=0
JOB=

record() { printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >> "$RESULTS"; echo "  $2: $1${3:+ ($3)}"; }

finish() {
  [ -n "$JOB" ] && scancel "$JOB" 2>/dev/null
  for pidfile in "$T/slurmd.pid" "$T/slurmctld.pid"; do
    [ -s "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
  done
  if [ "$STARTED_MUNGED" = 1 ] && [ -s /run/munge/munged.pid ]; then kill "$(cat /run/munge/munged.pid)" 2>/dev/null; fi
  node -e '
    const fs = require("fs");
    const [tsv, out, seconds] = process.argv.slice(1);
    const results = fs.readFileSync(tsv, "utf8").split("\n").filter(Boolean).map((l) => {
      const [name, status, ...reason] = l.split("\t");
      return { name, status, reason: reason.join("\t") };
    });
    fs.writeFileSync(out, JSON.stringify({ suite: "slurm", seconds: Number(seconds), results }, null, 1) + "\n");
  ' "$RESULTS" "$ROOT/test-results/slurm.json" "$(( $(date +%s) - START ))"
  if grep -q "	failed	" "$RESULTS"; then
    mkdir -p "$ROOT/test-results/slurm/kill" && cp -r "$T"/*.log "$T"/*.out "$T"/plan/logs "$ROOT/test-results/slurm/" 2>/dev/null
    cp -r "$T"/kill/logs "$T"/kill/pgd/seed0/output.txt "$T"/kill/pgd/seed0/task.json "$ROOT/test-results/slurm/kill/" 2>/dev/null
    echo "  (Slurm logs and task logs kept in test-results/slurm/)"
  fi
  rm -rf "$T"
  echo "  slurm test: $(( $(date +%s) - START )) s"
}
trap finish EXIT

# Stops here with one failed case naming why (the rest cannot run without a Slurm).
give_up() { record "single-node Slurm starts" failed "$1"; exit 1; }

[ "$(id -u)" = 0 ] || give_up "needs root to install and start slurmctld, slurmd and munged"
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  echo "  installing slurm-wlm and munge (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge > "$T/apt.log" 2>&1 ||
    give_up "apt-get install slurm-wlm munge failed: $(tail -1 "$T/apt.log")"
fi

# munge: a key owned by munge (mode 400) and /run/munge; munged as the munge user unless one runs.
[ -s /etc/munge/munge.key ] || mungekey --create > /dev/null 2>&1 || give_up "mungekey --create failed"
chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
mkdir -p /run/munge && chown munge:munge /run/munge
if ! { [ -s /run/munge/munged.pid ] && kill -0 "$(cat /run/munge/munged.pid)" 2>/dev/null; }; then
  runuser -u munge -- munged || give_up "munged did not start"
  STARTED_MUNGED=1
fi

MEM=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 8 / 10 ))
NODE=$(hostname -s)
mkdir -p "$T/state" "$T/spool"
cat > "$SLURM_CONF" <<CONF
ClusterName=ntkattest
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$MEM State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld || give_up "slurmctld did not start (see its log)"
slurmd || give_up "slurmd did not start (see its log)"
for _ in $(seq 30); do
  sinfo -h -o %t 2>/dev/null | grep -qx idle && break
  sleep 1
done
sinfo -h -o %t 2>/dev/null | grep -qx idle || give_up "the node is not idle after 30 s: $(sinfo -h 2>&1 | head -1)"
record "single-node Slurm starts (munged, slurmctld, slurmd; node idle)" passed

# The tiny experiment: 2 runs of co-spectrum on synthetic data, 2 epochs each.
cat > "$T/tiny.json" <<'JSON'
{"recipe": {"data": {"dataset": "synthetic-clusters", "trainSize": 40, "validationSize": 20, "testSize": 20},
  "training": {"batchSize": 20, "epochs": 2, "logEvery": 1, "attack": {"steps": 2}}, "model": {"hidden": [16]},
  "ntk": {"probePerClass": 1}, "evaluation": {"threats": ["clean", "fgsm"]}}, "variants": ["fgsm", "pgd"]}
JSON
PLAN=$T/plan
"${CLI[@]}" experiment plan co-spectrum --seeds 1 --config "$T/tiny.json" --out "$PLAN" --cpus 1 --mem 1G --time 00:10:00 --array-throttle 2 > "$T/plan.out" 2>&1 &&
  grep -q -- '--array=0-1%2' "$PLAN/slurm.sbatch" && [ -s "$PLAN/runs/1.json" ] && [ -s "$PLAN/manifest.json" ] &&
  record "experiment plan writes 2 task files, the manifest and a job array --array=0-1%2" passed ||
  record "experiment plan writes 2 task files, the manifest and a job array --array=0-1%2" failed "$(tail -3 "$T/plan.out")"

"${CLI[@]}" experiment collect "$PLAN" > "$T/collect0.out" 2>&1
[ "$(grep -c '^missing .*not started' "$T/collect0.out")" = 2 ] &&
  record "collect before the array runs lists both runs as missing" passed ||
  record "collect before the array runs lists both runs as missing" failed "$(head -3 "$T/collect0.out")"

JOB=$(sbatch --parsable "$PLAN/slurm.sbatch" 2>"$T/sbatch.err") || give_up "sbatch failed: $(cat "$T/sbatch.err")"
for _ in $(seq 300); do
  [ -z "$(squeue -h -j "$JOB" 2>/dev/null)" ] && break
  sleep 1
done
if [ -n "$(squeue -h -j "$JOB" 2>/dev/null)" ]; then
  record "the job array runs both tasks within 300 s" failed "still queued or running: $(squeue -h -j "$JOB" | head -2)"
else
  JOB_DONE=$(date +%s)
  record "the job array runs both tasks within 300 s" passed
fi
JOB=

"${CLI[@]}" experiment collect "$PLAN" > "$T/collect.out" 2>&1
if node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1] + "/report.json", "utf8"));
  const ids = r.runs.map((x) => x.id).sort().join(",");
  process.exit(ids === "fgsm/seed0,pgd/seed0" && r.missing.length === 0 ? 0 : 1);
' "$PLAN" && [ -s "$PLAN/report.html" ] && grep -q 'fgsm/seed0' "$PLAN/report.md" && grep -q 'pgd/seed0' "$PLAN/report.md"; then
  record "collect writes the report listing every run, none missing" passed
else
  record "collect writes the report listing every run, none missing" failed "$(tail -3 "$T/collect.out"; tail -3 "$PLAN"/logs/*.out 2>/dev/null)"
fi

# A kernel in blocks through the array: 2 x 2 blocks (3 tasks) of the full PGD-probe kernel of a
# finished run, collected into the kernel, which must equal the one computed in one piece.
KERNEL=(--checkpoint "$PLAN/pgd/seed0/checkpoint.safetensors" --kind full --inputs pgd --pgd-steps 2 --probe-per-class 1)
"${CLI[@]}" ntk "${KERNEL[@]}" --out "$T/kernel-one" > "$T/kernel-one.out" 2>&1
"${CLI[@]}" ntk "${KERNEL[@]}" --blocks 2 --plan "$T/blocks" --cpus 1 --mem 1G --time 00:10:00 > "$T/blocks.out" 2>&1
timeout 300 sbatch --parsable --wait "$T/blocks/slurm.sbatch" > "$T/sbatch-blocks.out" 2>&1
"${CLI[@]}" experiment collect "$T/blocks" > "$T/blocks-collect.out" 2>&1
if grep -q 'assembled from 3 blocks' "$T/blocks-collect.out" && node -e '
  const npy = (f) => { // float64 .npy: header length at byte 8, shape in the header, data after it
    const bytes = require("fs").readFileSync(f);
    const start = 10 + bytes.readUInt16LE(8);
    const shape = /\((\d+), (\d+)\)/.exec(bytes.subarray(10, start).toString())?.slice(1).join(",");
    return { shape, data: new Float64Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + bytes.length)) };
  };
  const [a, b] = process.argv.slice(1).map(npy);
  let [d, n] = [0, 0];
  a.data.forEach((v, k) => { d += (v - b.data[k]) ** 2; n += v * v; });
  const rel = Math.sqrt(d / n);
  console.log(`  blocks vs one piece: ${a.shape} vs ${b.shape}, relative Frobenius difference ${rel.toExponential(2)}`);
  process.exit(String(a.shape) === String(b.shape) && rel < 2e-5 ? 0 : 1);
' "$T/kernel-one.npy" "$T/blocks/kernel.npy"; then
  record "kernel blocks run as array tasks and collect into the kernel computed in one piece" passed
else
  record "kernel blocks run as array tasks and collect into the kernel computed in one piece" failed "$(tail -2 "$T/blocks.out"; tail -3 "$T/blocks-collect.out"; tail -3 "$T"/blocks/logs/*.out 2>/dev/null)"
fi

# The same experiment locally (--jobs 2): the same numbers (every measured value but timings).
"${CLI[@]}" experiment co-spectrum --seeds 1 --config "$T/tiny.json" --jobs 2 --out "$T/local" > "$T/local.out" 2>&1
if node -e '
  const fs = require("fs");
  const values = (dir) => JSON.parse(fs.readFileSync(dir + "/report.json", "utf8")).measured
    .filter((m) => !/[Ss]econds/.test(m.source)).map((m) => [m.run, m.source, m.value]).sort().map(String);
  const [a, b] = [values(process.argv[1]), values(process.argv[2])];
  if (a.length === 0 || JSON.stringify(a) !== JSON.stringify(b)) { console.error("  slurm:", a.slice(0, 6), "\n  local:", b.slice(0, 6)); process.exit(1); }
  console.log(`  ${a.length} measured values equal`);
' "$PLAN" "$T/local"; then
  record "the Slurm report has the same numbers as the local --jobs 2 run" passed
else
  record "the Slurm report has the same numbers as the local --jobs 2 run" failed "$(tail -2 "$T/local.out")"
fi

# A run task resubmitted after its run finished is skipped.
sbatch --parsable --wait --array=0 "$PLAN/slurm.sbatch" > /dev/null 2>&1
grep -q 'already finished' "$PLAN"/logs/*_0.out 2>/dev/null &&
  record "a resubmitted task skips its finished run" passed ||
  record "a resubmitted task skips its finished run" failed "no 'already finished' in logs/*_0.out"

# A task killed mid-run (scancel) and resubmitted resumes its run from the last checkpoint.
sed -e 's/"epochs": 2/"epochs": 20/' -e 's/"variants": \["fgsm", "pgd"\]/"variants": ["pgd"]/' "$T/tiny.json" > "$T/long.json"
KILL=$T/kill
"${CLI[@]}" experiment plan co-spectrum --seeds 1 --config "$T/long.json" --out "$KILL" --cpus 1 --mem 1G --time 00:10:00 > /dev/null 2>&1
JOB=$(sbatch --parsable "$KILL/slurm.sbatch" 2>/dev/null)
for _ in $(seq 120); do
  [ -s "$KILL/pgd/seed0/checkpoint.safetensors" ] && break
  sleep 1
done
[ -s "$KILL/pgd/seed0/checkpoint.safetensors" ] && CHECKPOINT="a checkpoint existed when the task was killed" || CHECKPOINT="no checkpoint after 120 s: the task was killed before its first epoch"
scancel "$JOB" 2>/dev/null
for _ in $(seq 30); do
  [ -z "$(squeue -h -j "$JOB" 2>/dev/null)" ] && break
  sleep 1
done
JOB=
"${CLI[@]}" experiment collect "$KILL" > "$T/kill-collect.out" 2>&1
if grep -Eq '^missing pgd/seed0: task 0: (started .* not finished|failed \(exit).*; log .*logs/.*_0.out' "$T/kill-collect.out"; then
  record "collect lists a killed task as not finished, with its log path" passed
else
  record "collect lists a killed task as not finished, with its log path" failed "$(head -2 "$T/kill-collect.out")"
fi
sbatch --parsable --wait "$KILL/slurm.sbatch" > /dev/null 2>&1
"${CLI[@]}" experiment collect "$KILL" > "$T/kill-collect2.out" 2>&1
EPOCHS=$(grep -c '"type":"epoch"' "$KILL/pgd/seed0/log.jsonl" 2>/dev/null)
if grep -q 'resuming from' "$KILL"/logs/*.out 2>/dev/null && grep -q '1 of 1 runs finished' "$T/kill-collect2.out"; then
  record "a killed task, resubmitted, resumes its run and finishes it" passed
else
  record "a killed task, resubmitted, resumes its run and finishes it" failed "$CHECKPOINT; $(tail -2 "$T/kill-collect2.out"; cat "$KILL"/logs/*.out | tail -4)"
fi
echo "  resumed run's log: $EPOCHS epoch records"
