#!/usr/bin/env bash
# `make frameworks`: each framework group's flows in a venv of its own, one per openai major.
# A group is "<requirements file>:<openai version>:<test files>". openai is pinned in the same pip command as the
# frameworks (never in the matrix venvs). Venvs live outside the checkout (FRAMEWORK_VENVS, default
# ~/.cache/vertex-openai-frameworks), named by a hash of the requirements file and the pins, so a fresh clone on
# the same machine reuses them while nothing changed; this checkout is (re)installed into them editable each run.
# Prints the resolved versions and how long each group took.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
PIPFLAGS=${PIPFLAGS:--q}
VENVS=${FRAMEWORK_VENVS:-${XDG_CACHE_HOME:-$HOME/.cache}/vertex-openai-frameworks}
PYTEST_PIN="pytest==9.2.0"
ALL="test_guard.py,test_instructor.py,test_pydantic_ai.py,test_langchain.py,test_openai_agents.py,test_llama_index.py"
# instructor and llama-index-llms-openai cap openai<3: the openai 3 group has the other three.
OA3="test_guard.py,test_pydantic_ai.py,test_langchain.py,test_openai_agents.py"
GROUPS_SPEC=${FRAMEWORK_GROUPS:-"openai1:1.109.1:$ALL openai2:2.54.0:$ALL openai3:3.57.0:$OA3"}
SHOWN='^(openai|instructor|pydantic-ai-slim|langchain-openai|langchain-core|openai-agents|llama-index-core|llama-index-llms-openai|llama-index-llms-openai-like|pydantic|httpx|httpx2)=='

mkdir -p "$VENVS"
start_all=$(date +%s)
for group in $GROUPS_SPEC; do
  IFS=: read -r name openai_version files <<<"$group"
  start=$(date +%s)
  requirements=tests_frameworks/requirements/$name.txt
  stamp=$( (cat "$requirements"; echo "openai==$openai_version $PYTEST_PIN $($PYTHON -V)") | sha256sum | cut -c1-12)
  venv=$VENVS/$name-$stamp
  if [ -f "$venv/.installed" ]; then
    how="reused"
    "$venv/bin/pip" install $PIPFLAGS -e . "openai==$openai_version"
  else
    how="installed"
    rm -rf "$venv" "$VENVS/$name"-*
    $PYTHON -m venv "$venv"
    "$venv/bin/pip" install $PIPFLAGS -r "$requirements" "openai==$openai_version" "$PYTEST_PIN" -e .
    touch "$venv/.installed"
  fi
  echo "== frameworks $name (openai $openai_version, venv $how: $venv): $("$venv/bin/pip" list --format=freeze \
    2>/dev/null | grep -iE "$SHOWN" | tr '\n' ' ')"
  paths=()
  IFS=, read -ra names <<<"$files"
  for f in "${names[@]}"; do paths+=("tests_frameworks/$f"); done
  "$venv/bin/python" -m pytest -q -p no:cacheprovider "${paths[@]}"
  echo "== frameworks $name took $(( $(date +%s) - start )) s"
done
echo "== frameworks step took $(( $(date +%s) - start_all )) s"
