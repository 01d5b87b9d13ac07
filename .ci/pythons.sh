#!/usr/bin/env bash
# `make pythons`: the whole suite on each other CPython the project supports (PYTHONS, default 3.10 3.12 3.13),
# each in a venv of its own. An interpreter is taken from pyenv's versions folder or PATH (python3.X, if it runs);
# a missing one fails the step, naming it.
set -euo pipefail
cd "$(dirname "$0")/.."
PIPFLAGS=${PIPFLAGS:--q}
VENV=${VENV:-.venv}
PYTHONS=${PYTHONS:-3.10 3.12 3.13}
PYTEST_ARGS=${PYTEST_ARGS:--q -p no:cacheprovider}
PYTEST_MARK=${PYTEST_MARK:-}  # a -m expression, e.g. "not once"

find_python() {
  local want=$1 candidate root
  root=${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")}
  for candidate in $(ls -d "$root/versions/$want".* 2>/dev/null | sort -V -r); do
    if [ -x "$candidate/bin/python" ]; then echo "$candidate/bin/python"; return 0; fi
  done
  # On PATH, a pyenv shim for a version that is not selected exists but fails: take only one that runs.
  if candidate=$(command -v "python$want" 2>/dev/null) && "$candidate" -V >/dev/null 2>&1; then
    echo "$candidate"; return 0
  fi
  return 1
}

for want in $PYTHONS; do
  if ! python=$(find_python "$want"); then
    echo "== Python $want: no interpreter found (python$want on PATH or pyenv's versions/$want.*)" >&2
    exit 1
  fi
  venv=$VENV-py$want
  if [ ! -f "$venv/.installed" ]; then
    "$python" -m venv "$venv"
    "$venv/bin/pip" install $PIPFLAGS -e '.[test]'
    touch "$venv/.installed"
  fi
  echo "== Python $("$venv/bin/python" -V 2>&1 | cut -d' ' -f2) (openai $("$venv/bin/python" -c 'import openai; print(openai.__version__)'))"
  # shellcheck disable=SC2086
  "$venv/bin/python" -m pytest $PYTEST_ARGS ${PYTEST_MARK:+-m "$PYTEST_MARK"}
done
