#!/bin/bash
# The kernel module is checkpatch.pl --strict clean (make check-kmod).
set -euo pipefail
cd "$(dirname "$0")/../.."
make --no-print-directory check-kmod
