#!/usr/bin/env bash
# Create the virtual environment and install zhkg with its test dependencies.
# usage: scripts/install.sh [VENV_DIR] [PYTHON]
set -euo pipefail
venv=${1:-.venv}
python=${2:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "zhkg needs Python >= 3.11; '$python' is $("$python" --version 2>&1 || echo missing)." >&2
  exit 2
fi
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv" || { echo "cannot create a virtual environment (Debian: apt-get install python3-venv)" >&2; exit 2; }
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -e ".[test]"
echo "zhkg installed in $venv (run: $venv/bin/kg --help)"
