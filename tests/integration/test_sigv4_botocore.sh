#!/usr/bin/env bash
# Differential test of presigned URLs against botocore's signer (no server needed).
MG=${MEDIAGATE_BIN:?MEDIAGATE_BIN must name the mediagate binary}
exec /usr/bin/python3 "$(dirname "$0")/sigv4_differential.py" "$MG" "${SIGV4_DIFF_CASES:-400}"
