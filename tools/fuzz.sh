#!/usr/bin/env bash
#===- fuzz.sh - Build and run the libFuzzer targets ------------------------===#
#
# Usage: tools/fuzz.sh [--time SECONDS] [--target onnx|mlir|all]
#
# Installs clang-22 and its runtimes (libclang-rt-22-dev) if they are
# missing, configures and builds build-fuzz/ with UNIFORM_FUZZ=ON (libFuzzer
# coverage, ASan and UBSan on everything this project compiles; -O1 -g),
# writes seed corpora to build-fuzz/seeds/{onnx,mlir}, and runs each target
# for SECONDS (default 120) on them and on its regression corpus in
# test/Fuzz/TARGET. The corpus grows in build-fuzz/corpus/TARGET and
# persists between runs; crashes, timeouts and out-of-memory inputs go to
# build-fuzz/crashes/ and, after a crash, the target is restarted for the
# rest of its time (at most 20 times). Ends with a summary per target
# (executions, exec/s, peak RSS, crashes); exits 1 if anything crashed.
#
# A crash input replays with `build-fuzz/bin/uniform-fuzz-TARGET FILE`
# (under the sanitizers) or `build/bin/uniform-fuzz-TARGET FILE` (the
# replay build); once fixed, add it to test/Fuzz/TARGET.
#
#===-----------------------------------------------------------------------===#
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$ROOT/build-fuzz"
TIME=120
TARGETS=(onnx mlir)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --time) TIME="$2"; shift 2 ;;
    --target)
      case "$2" in
        onnx|mlir) TARGETS=("$2") ;;
        all) TARGETS=(onnx mlir) ;;
        *) echo "fuzz.sh: --target is onnx, mlir or all" >&2; exit 2 ;;
      esac
      shift 2 ;;
    -h|--help) sed -n '2,21p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "fuzz.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ "$TIME" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: --time takes seconds" >&2; exit 2; }

# clang-22 and libFuzzer/ASan/UBSan runtimes, from bookworm-security like
# the rest of LLVM 22.
source "$ROOT/tools/install-packages.sh"
install_missing_packages fuzz.sh clang-22 libclang-rt-22-dev

export CCACHE_BASEDIR="$ROOT"
export CCACHE_NOHASHDIR=true
# -O1 -g, and -DNDEBUG like Debian's libMLIR: class layouts in LLVM's
# headers depend on it (llvm::Statistic, a member of every pass), so
# assertions cannot be turned on for this project alone.
mkdir -p "$BUILD"
CC=clang-22 CXX=clang++-22 cmake -G Ninja -S "$ROOT" -B "$BUILD" \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_FLAGS_RELEASE="-O1 -g -DNDEBUG" \
  -DCMAKE_CXX_FLAGS_RELEASE="-O1 -g -DNDEBUG" \
  -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
  -DUNIFORM_FUZZ=ON > "$BUILD/configure.log" 2>&1 ||
  { cat "$BUILD/configure.log"; exit 1; }
FUZZERS=()
for t in "${TARGETS[@]}"; do FUZZERS+=("uniform-fuzz-$t"); done
cmake --build "$BUILD" --target "${FUZZERS[@]}" -- -j"$(nproc)"

# Seed corpora, written once (delete build-fuzz/seeds to regenerate).
PY=/usr/bin/python3
SEEDS="$BUILD/seeds"
if [[ " ${TARGETS[*]} " == *" onnx "* && ! -d "$SEEDS/onnx" ]]; then
  mkdir -p "$SEEDS/onnx.tmp"
  # Every generator in onnx_models.py's usage but the ones built to exceed
  # the importer's limits (huge-*, many-nodes).
  models=$(sed -n 's/^  onnx_models.py \([a-z0-9-]*\) OUT.onnx.*/\1/p' \
             "$ROOT/test/lib/onnx_models.py" | grep -v -e '^huge-' -e '^many-nodes$')
  for model in $models; do
    "$PY" "$ROOT/test/lib/onnx_models.py" "$model" "$SEEDS/onnx.tmp/$model.onnx"
  done
  if "$PY" -c "import torch" 2>/dev/null; then
    for model in layer-global vit-block efficientvit-block; do
      "$PY" "$ROOT/examples/uniform/export.py" "$model" \
        "$SEEDS/onnx.tmp/$model.onnx" >/dev/null 2>&1 ||
        echo "fuzz.sh: could not export $model (skipped)"
    done
  fi
  mv "$SEEDS/onnx.tmp" "$SEEDS/onnx"
fi
if [[ " ${TARGETS[*]} " == *" mlir "* && ! -d "$SEEDS/mlir" ]]; then
  # The lit tests with attention, one seed per `// -----` case, without
  # comments (RUN and CHECK lines).
  "$PY" - "$ROOT" "$SEEDS/mlir.tmp" <<'EOF'
import glob, os, re, sys
root, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
files = sorted(glob.glob(os.path.join(root, "test", "**", "*.mlir"), recursive=True))
files += sorted(glob.glob(os.path.join(root, "examples", "attention", "*.mlir")))
for path in files:
    rel = os.path.relpath(path, root)
    if not rel.startswith(("test/Dialect", "test/Conversion", "test/Pipelines", "examples")):
        continue
    text = open(path).read()
    if "attn." not in text:
        continue
    for i, case in enumerate(re.split(r"^// -----\s*$", text, flags=re.M)):
        lines = [l for l in case.splitlines() if not l.lstrip().startswith("//")]
        body = "\n".join(lines).strip()
        if body:
            name = rel.replace("/", "_").removesuffix(".mlir")
            with open(os.path.join(out, f"{name}.{i}.mlir"), "w") as f:
                f.write(body + "\n")
EOF
  mv "$SEEDS/mlir.tmp" "$SEEDS/mlir"
fi

# Leaks are reported too: each input gets a fresh MLIRContext, so anything
# still allocated after it is ours to explain. No fake stacks for
# use-after-return: they slow the deeply recursive parser and verifier down.
export ASAN_OPTIONS="strict_string_checks=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
mkdir -p "$BUILD/crashes" "$BUILD/logs"
declare -A MAX_LEN=([onnx]=300000 [mlir]=32768)
declare -A DICT=([onnx]="" [mlir]="-dict=$ROOT/tools/uniform-fuzz/mlir.dict")
SUMMARY=()
FAILED=0
for t in "${TARGETS[@]}"; do
  mkdir -p "$BUILD/corpus/$t"
  execs=0 peak=0 runs=0 crashes=() stopped=""
  start=$(date +%s)
  while :; do
    left=$(( TIME - ($(date +%s) - start) ))
    (( left > 0 )) || break
    runs=$((runs + 1))
    log="$BUILD/logs/$t-$runs.log"
    ls "$BUILD/crashes" > "$BUILD/logs/artifacts.before"
    echo "fuzz.sh: uniform-fuzz-$t for ${left}s (log: $log)"
    set +e
    # shellcheck disable=SC2086
    "$BUILD/bin/uniform-fuzz-$t" "$BUILD/corpus/$t" "$SEEDS/$t" "$ROOT/test/Fuzz/$t" \
      ${DICT[$t]} -max_len="${MAX_LEN[$t]}" -rss_limit_mb=4096 -timeout=30 \
      -max_total_time="$left" -print_final_stats=1 \
      -artifact_prefix="$BUILD/crashes/$t-" > "$log" 2>&1
    rc=$?
    set -e
    n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    m=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
    execs=$((execs + ${n:-0}))
    (( ${m:-0} > peak )) && peak=${m:-0}
    (( rc == 0 )) && break
    new=$(ls "$BUILD/crashes" | comm -13 "$BUILD/logs/artifacts.before" -)
    if [[ -z "$new" ]]; then
      echo "fuzz.sh: uniform-fuzz-$t exited with $rc without an artifact:" >&2
      tail -n 30 "$log" >&2
      FAILED=1
      break
    fi
    for f in $new; do crashes+=("build-fuzz/crashes/$f"); done
    echo "fuzz.sh: uniform-fuzz-$t found $new:"
    grep -m1 -E "ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|uniform-fuzz: BUG|LLVM ERROR" "$log" || true
    # A fuzzer stuck on one bug would restart forever: stop after 20.
    if (( runs >= 20 )); then
      stopped=" (stopped after $runs runs)"
      break
    fi
  done
  secs=$(( $(date +%s) - start ))
  rate=$(( secs > 0 ? execs / secs : execs ))
  SUMMARY+=("uniform-fuzz-$t: $execs executions in ${secs}s$stopped ($rate exec/s), peak RSS ${peak} MB, ${#crashes[@]} crashes${crashes:+: ${crashes[*]}}")
  (( ${#crashes[@]} == 0 )) || FAILED=1
done

echo
echo "=== fuzz.sh summary ==="
printf '%s\n' "${SUMMARY[@]}"
exit $FAILED
