#!/usr/bin/env bash
# The whole test suite, as `make test` and CI run it. Real components throughout: headless
# Chromium (Debian packages, installed here when possible) and a Neo4j server that the test
# session fetches from Maven Central, starts on 127.0.0.1 and stops at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-.venv}
[ -x "$venv/bin/pytest" ] || bash scripts/install.sh "$venv"
bash scripts/system-deps.sh
mkdir -p test-artifacts
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
