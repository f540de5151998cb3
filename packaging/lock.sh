#!/usr/bin/env bash
# Regenerate the hashed lock files of a release (run on a machine with network access, from
# the repository root, after changing the dependencies in pyproject.toml or
# packaging/requirements-build.in):
#     packaging/lock.sh            # keep the pinned versions where they still fit
#     packaging/lock.sh --upgrade  # move every pin to the newest version that fits
# Needs uv (`pip install uv`). The locks are universal (one file for Windows, macOS and Linux,
# with environment markers) and list the SHA-256 of every file PyPI has for each pinned version,
# so `pip install --require-hashes` refuses anything else. Review the diff, then audit the new
# pins (packaging/README.md, "Checking the locked dependencies for known vulnerabilities").
set -euo pipefail
cd "$(dirname "$0")/.."
common=(--universal --generate-hashes --python-version 3.11 --custom-compile-command
        "packaging/lock.sh" "$@")
uv pip compile pyproject.toml "${common[@]}" -o packaging/requirements-lock.txt
# The build tools are constrained by the runtime pins so both files install into one venv.
uv pip compile packaging/requirements-build.in -c packaging/requirements-lock.txt \
    "${common[@]}" -o packaging/requirements-build-lock.txt
