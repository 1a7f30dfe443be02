#!/usr/bin/env bash
# Regenerates go.mod's k8s.io/kubernetes requirement and the replace block that maps every
# staging module (as listed in k8s.io/kubernetes's own go.mod) to its published k8s.io/* release.
# Usage: ./update-k8s.sh v1.36.3   (staging modules get v0.<minor>.<patch>)
set -euo pipefail
cd "$(dirname "$0")"
export GOTOOLCHAIN=local
ver="${1:?usage: $0 v1.MINOR.PATCH}"
staging="v0.${ver#v1.}"
dir="$(go mod download -json "k8s.io/kubernetes@${ver}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
mods="$(sed -n '/^replace (/,/^)/p' "${dir}/go.mod" | awk '$2 == "=>" && $3 ~ /^\.\/staging\// {print $1}')"
go mod edit -require="k8s.io/kubernetes@${ver}"
for m in ${mods}; do go mod edit -replace="${m}=${m}@${staging}"; done
go mod tidy
