#!/usr/bin/env bash
# Runs the pinned Serverless Framework on deploy/serverless.yml after preparing what it packages:
# the runtime packages copied beside serverless.yml, and the dependency layer for Lambda.
#
#   deploy/scripts/serverless.sh package --stage dev
#   deploy/scripts/serverless.sh deploy --stage prod --region eu-west-1
#   deploy/scripts/serverless.sh package --stage dev --param="architecture=x86_64"
#
# PYTHON picks the interpreter that stages the code and builds the layer (default: python3). It
# must be the runtime's Python (3.11): stage_code.py compiles the function code's bytecode with
# it and stops under another version. OFFLINE=1 packages with no AWS account (as the tests do).
set -euo pipefail

deploy_dir="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"

if [[ ! -x "$deploy_dir/node_modules/.bin/serverless" ]]; then
    echo "serverless.sh: run 'npm ci' in $deploy_dir first" >&2
    exit 1
fi

# The layer follows serverless.yml's `architecture` param: arm64 unless the command line sets
# another with --param="architecture=<arch>".
architecture=arm64
previous=""
for argument in "$@"; do
    if [[ "$previous" == "--param" ]]; then
        argument="--param=$argument"
    fi
    if [[ "$argument" == --param=architecture=* ]]; then
        architecture="${argument#--param=architecture=}"
    fi
    previous="$argument"
done

"$python" "$deploy_dir/scripts/stage_code.py"
"$python" "$deploy_dir/scripts/build_layer.py" --arch "$architecture"

export SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off
if [[ "${OFFLINE:-0}" == "1" ]]; then
    export MARKET_API_OFFLINE_PACKAGE=1 AWS_EC2_METADATA_DISABLED=true
fi
cd "$deploy_dir"
exec ./node_modules/.bin/serverless "$@"
