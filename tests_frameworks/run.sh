#!/usr/bin/env bash
# `make frameworks`: each framework group's flows in a venv of its own, one per openai major.
# A group is "<requirements file>:<openai version>:<test files>". openai is pinned in the same pip command as the
# frameworks (never in the matrix venvs); a venv is reused while its requirements, openai pin and pyproject.toml
# are unchanged. Prints the resolved versions and how long each group took.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
PIPFLAGS=${PIPFLAGS:--q}
PYTEST_PIN="pytest==9.2.0"
GROUPS_SPEC=${FRAMEWORK_GROUPS:-"openai2:2.54.0:test_guard.py,test_instructor.py,test_pydantic_ai.py,test_langchain.py,test_openai_agents.py,test_llama_index.py openai3:3.57.0:test_guard.py,test_pydantic_ai.py,test_langchain.py,test_openai_agents.py"}
SHOWN='^(openai|instructor|pydantic-ai-slim|langchain-openai|langchain-core|openai-agents|llama-index-core|llama-index-llms-openai|llama-index-llms-openai-like|pydantic|httpx|httpx2)=='

start_all=$(date +%s)
for group in $GROUPS_SPEC; do
  IFS=: read -r name openai_version files <<<"$group"
  start=$(date +%s)
  requirements=tests_frameworks/requirements/$name.txt
  venv=$VENV-frameworks-$name
  stamp=$( (cat "$requirements" pyproject.toml; echo "openai==$openai_version $PYTEST_PIN") | sha256sum | cut -c1-16)
  if [ "$(cat "$venv/.installed" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$venv"
    $PYTHON -m venv "$venv"
    "$venv/bin/pip" install $PIPFLAGS -r "$requirements" "openai==$openai_version" "$PYTEST_PIN" -e .
    echo "$stamp" > "$venv/.installed"
    how="installed"
  else
    how="reused"
  fi
  echo "== frameworks $name (openai $openai_version, venv $how): $("$venv/bin/pip" list --format=freeze 2>/dev/null \
    | grep -iE "$SHOWN" | tr '\n' ' ')"
  paths=()
  IFS=, read -ra names <<<"$files"
  for f in "${names[@]}"; do paths+=("tests_frameworks/$f"); done
  "$venv/bin/python" -m pytest -q -p no:cacheprovider "${paths[@]}"
  echo "== frameworks $name took $(( $(date +%s) - start )) s"
done
echo "== frameworks step took $(( $(date +%s) - start_all )) s"
