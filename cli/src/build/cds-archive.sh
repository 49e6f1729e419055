#!/usr/bin/env bash
# Writes an application class-data archive (AppCDS) for the CLI jar, at build time (cli/pom.xml, package phase).
# Two short training runs list the classes the common commands load (a compile, a serving simulation); the JVM
# then dumps those classes, parsed and verified, into one file that bin/moesim maps at start-up
# (-XX:SharedArchiveFile). Start-up CPU of a compile drops by about a third (issue 16).
# Usage: cds-archive.sh JAR OUT.jsa   (the training runs' files go to a folder beside OUT, then are removed)
set -euo pipefail
jar="$1"
out="$2"
work="$(dirname "$out")/cds-training"
rm -rf "$work"
mkdir -p "$work"
export MOESIM_KERNEL_CACHE="$work/kernels"   # the user's kernel store stays untouched
train() {
  local list="$1"; shift
  if ! java -XX:TieredStopAtLevel=1 -XX:DumpLoadedClassList="$work/$list" -jar "$jar" "$@" >"$work/$list.log" 2>&1; then
    echo "cds-archive: training run 'moesim $*' failed:" >&2
    tail -5 "$work/$list.log" >&2
    exit 1
  fi
}
train compile.lst compile --model deepseek-v3 --system mi300x8 --phase decode --batch 64 --attn-tp 8 --moe-ep 8 \
  --dtype fp8e4m3 --overlap tile -o "$work/plan.json"
train simulate.lst simulate --model mixtral-8x7b --system duplex-x4 --qps 12 --requests 30 --in 256 --out 64 --seed 3
# The lists keep their header comments; sort -u merges them (the dump reads the lines in any order).
cat "$work/compile.lst" "$work/simulate.lst" | sort -u >"$work/classes.lst"
if ! java -Xshare:dump -XX:SharedClassListFile="$work/classes.lst" -XX:SharedArchiveFile="$out.tmp" -cp "$jar" \
    >"$work/dump.log" 2>&1; then
  echo "cds-archive: the class-data dump failed:" >&2
  tail -5 "$work/dump.log" >&2
  exit 1
fi
# Check that the JVM maps the archive and serves the CLI's classes from it (-Xshare:on fails when it cannot map it).
if ! java -Xshare:on -XX:SharedArchiveFile="$out.tmp" -Xlog:class+load=info -jar "$jar" --version >"$work/check.log" 2>&1 ||
    ! grep -q "io.moesim.cli.Main source: shared objects file" "$work/check.log"; then
  echo "cds-archive: the archive $out.tmp does not serve io.moesim.cli.Main:" >&2
  grep -v "class,load" "$work/check.log" | tail -5 >&2
  exit 1
fi
mv -f "$out.tmp" "$out"
rm -rf "$work"
