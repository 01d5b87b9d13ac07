#!/usr/bin/env bash
# `make newest`: the suite on the newest openai 1.x, 2.x and 3.x as the package index has them *now* (printed),
# each in a venv of its own. A release that `make test`'s .venv or the pinned matrix (MATRIX) already ran is not
# run twice. A failure names the release; the contract tests (tests/test_sdk_contract.py) name the SDK touchpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
PIPFLAGS=${PIPFLAGS:--q}
VENV=${VENV:-.venv}
MATRIX=${MATRIX:-}
PYTEST_ARGS=${PYTEST_ARGS:--q -p no:cacheprovider}
PYTEST_MARK=${PYTEST_MARK:-}  # a -m expression, e.g. "not once"

released=$("$VENV/bin/pip" index versions openai 2>/dev/null | sed -n 's/^Available versions: //p')
if [ -z "$released" ]; then
  echo "== newest: could not list openai's releases from the package index" >&2
  exit 1
fi
main=$("$VENV/bin/python" -c 'import openai; print(openai.__version__)')
failed=()
for major in 1 2 3; do
  newest=$(tr ',' '\n' <<<"$released" | tr -d ' ' | grep -E "^$major\.[0-9]+\.[0-9]+$" | head -1 || true)
  if [ -z "$newest" ]; then
    echo "== newest openai $major.x: none released"
    continue
  fi
  if [ "$newest" = "$main" ] || [[ " $MATRIX " == *" $newest "* ]]; then
    echo "== newest openai $major.x is $newest: already run above (make test or the pinned matrix)"
    continue
  fi
  venv=$VENV-openai-$newest
  if [ ! -f "$venv/.installed" ]; then
    $PYTHON -m venv "$venv"
    "$venv/bin/pip" install $PIPFLAGS -e '.[test]' "openai==$newest"
    touch "$venv/.installed"
  fi
  echo "== newest openai $major.x: $newest (not in the pinned matrix; resolved from the package index now)"
  # shellcheck disable=SC2086
  if ! "$venv/bin/python" -m pytest $PYTEST_ARGS ${PYTEST_MARK:+-m "$PYTEST_MARK"}; then
    echo "== NEWEST FAILED: openai $newest. tests/test_sdk_contract.py's failures above name the SDK touchpoint" \
         "that changed; pin the matrix and fix the touchpoint in src/vertex_openai/_sdk.py"
    failed+=("$newest")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "== newest: failed on openai ${failed[*]}"
  exit 1
fi
