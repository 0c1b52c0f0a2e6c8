#!/usr/bin/env bash
# Enforces the direction of dependencies between modules (docs/architecture.md):
#   cli -> {api, controllers, agent} -> {state, scheduler, net} -> {store, model} -> core
# The agent shares only model/, net/ and core/ with the control plane.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A allowed=(
  [core]="core"
  [model]="model core"
  [store]="store core"
  [net]="net core"
  [scheduler]="scheduler model core"
  [state]="state store model core"
  [auth]="auth core"
  [api]="api auth state scheduler net store model core"
  [controllers]="controllers state scheduler net store model core"
  [agent]="agent auth net model core"
  [cli]="cli auth api controllers agent state scheduler net store model core"
)

status=0
for module in "${!allowed[@]}"; do
  [ -d "src/$module" ] || continue
  while IFS=: read -r file _ include; do
    target=$(sed -E 's/.*#include +"([a-z_]+)\/.*/\1/' <<<"$include")
    if [[ " ${allowed[$module]} " != *" $target "* ]]; then
      echo "layering: $file includes $target/, which $module/ may not depend on"
      status=1
    fi
  done < <(grep -rnE '#include +"[a-z_]+/' "src/$module" || true)
done
exit $status
