#!/usr/bin/env bash
# `make frameworks` / `make frameworks-newest`: each framework group's flows in a venv of its own, one per openai
# major.
#
# A group is "<name>:<openai version>:<test files>". tests_frameworks/requirements/<name>.in lists the group's
# frameworks; <name>.txt pins them and everything they pull in (reproducible CI).
# - pinned (default): <name>.txt, with openai pinned in the same pip command (never in the .txt).
# - newest (FRAMEWORKS_NEWEST=1): the newest releases of the frameworks in <name>.in that resolve with the newest
#   openai of the group's major, both resolved from the package index now and printed.
# Venvs live outside the checkout (FRAMEWORK_VENVS, default ~/.cache/vertex-openai-frameworks), named by a hash of
# what they hold, so a fresh clone on the same machine reuses them while nothing changed; this checkout is
# (re)installed into them editable each run. Prints the resolved versions and how long each group took.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
PIPFLAGS=${PIPFLAGS:--q}
VENVS=${FRAMEWORK_VENVS:-${XDG_CACHE_HOME:-$HOME/.cache}/vertex-openai-frameworks}
NEWEST=${FRAMEWORKS_NEWEST:-}
PYTEST_PIN="pytest==9.2.0"
ALL="test_guard.py,test_instructor.py,test_pydantic_ai.py,test_langchain.py,test_openai_agents.py,test_llama_index.py"
# instructor and llama-index-llms-openai cap openai<3: the openai 3 group has the other three.
OA3="test_guard.py,test_pydantic_ai.py,test_langchain.py,test_openai_agents.py"
GROUPS_SPEC=${FRAMEWORK_GROUPS:-"openai1:1.109.1:$ALL openai2:2.54.0:$ALL openai3:3.63.0:$OA3"}
SHOWN='^(openai|instructor|pydantic-ai-slim|langchain-openai|langchain-core|openai-agents|llama-index-core|llama-index-llms-openai|llama-index-llms-openai-like|llama-index-embeddings-openai|pydantic|httpx|httpx2)=='

# The newest release of openai major $1 on the package index.
newest_openai() {
  "$PYTHON" -m pip index versions openai 2>/dev/null | sed -n 's/^Available versions: //p' | tr ',' '\n' \
    | tr -d ' ' | grep -E "^$1\.[0-9]+\.[0-9]+$" | head -1
}

# Pins (name==version lines, openai excluded) for the newest frameworks of $1.in that install with openai==$2.
resolve_newest() {
  local report
  report=$(mktemp)
  # shellcheck disable=SC2046
  "$PYTHON" -m pip install -q --dry-run --ignore-installed --report "$report" \
    $(grep -vE '^\s*(#|$)' "tests_frameworks/requirements/$1.in") "openai==$2" "$PYTEST_PIN" >/dev/null
  "$PYTHON" - "$report" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
names = sorted(f"{i['metadata']['name']}=={i['metadata']['version']}" for i in report["install"])
print("\n".join(n for n in names if not n.lower().startswith(("openai==", "pytest=="))))
PY
  rm -f "$report"
}

mkdir -p "$VENVS"
start_all=$(date +%s)
for group in $GROUPS_SPEC; do
  IFS=: read -r name openai_version files <<<"$group"
  start=$(date +%s)
  label=pinned
  requirements=tests_frameworks/requirements/$name.txt
  if [ -n "$NEWEST" ]; then
    label=newest
    openai_version=$(newest_openai "${openai_version%%.*}")
    requirements=$(mktemp)
    resolve_newest "$name" "$openai_version" >"$requirements"
  fi
  stamp=$( (cat "$requirements"; echo "openai==$openai_version $PYTEST_PIN $($PYTHON -V)") | sha256sum | cut -c1-12)
  venv=$VENVS/$name-$label-$stamp
  if [ -f "$venv/.installed" ]; then
    how="reused"
    "$venv/bin/pip" install $PIPFLAGS -e . "openai==$openai_version"
  else
    how="installed"
    rm -rf "$venv" "$VENVS/$name-$label"-*
    $PYTHON -m venv "$venv"
    "$venv/bin/pip" install $PIPFLAGS -r "$requirements" "openai==$openai_version" "$PYTEST_PIN" -e .
    touch "$venv/.installed"
  fi
  [ -n "$NEWEST" ] && rm -f "$requirements"
  echo "== frameworks $name, $label (openai $openai_version, venv $how: $venv): $("$venv/bin/pip" list \
    --format=freeze 2>/dev/null | grep -iE "$SHOWN" | tr '\n' ' ')"
  paths=()
  IFS=, read -ra names <<<"$files"
  for f in "${names[@]}"; do paths+=("tests_frameworks/$f"); done
  if ! "$venv/bin/python" -m pytest -q -p no:cacheprovider "${paths[@]}"; then
    echo "== FRAMEWORKS FAILED: $name, $label (openai $openai_version)"
    exit 1
  fi
  echo "== frameworks $name, $label took $(( $(date +%s) - start )) s"
done
echo "== frameworks ($label) step took $(( $(date +%s) - start_all )) s"
