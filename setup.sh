#!/usr/bin/env bash
# Creates .venv/ with a CPU build of torch and this project (editable) in it,
# and installs bubblewrap (the workers' sandbox) where it is missing and apt-get
# can (as root). Safe to run again: it reinstalls only when pyproject.toml has changed.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    echo "setup.sh: need Python 3.10 or newer as \$PYTHON (found: $("$PYTHON" --version 2>&1))" >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi

stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
    echo "setup.sh: installing torch and the project into .venv/ (log: .venv/setup.log)..."
    if ! {
        .venv/bin/python -m pip install --upgrade pip &&
        .venv/bin/python -m pip install torch==2.13.0 &&
        .venv/bin/python -m pip install -e '.[dev]'
    } > .venv/setup.log 2>&1; then
        tail -n 30 .venv/setup.log >&2
        echo "setup.sh: installation failed; the full log is .venv/setup.log" >&2
        exit 1
    fi
    rm -f .venv/.installed-*
    touch "$stamp"
fi

if ! command -v bwrap >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup.sh: installing bubblewrap (log: .venv/apt.log)..."
        { apt-get install -y bubblewrap || { apt-get update && apt-get install -y bubblewrap; }; } > .venv/apt.log 2>&1 ||
            echo "setup.sh: could not install bubblewrap; workers will run at a lower isolation level (see .venv/apt.log)" >&2
    else
        echo "setup.sh: bubblewrap (bwrap) is not installed; workers will run at a lower isolation level" >&2
    fi
fi
