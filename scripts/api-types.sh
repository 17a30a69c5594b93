#!/usr/bin/env bash
# The API's types as openapi-typescript generates them from the built /openapi.json (after `npm run
# build`): what the explorer page imports instead of restating the schemas by hand.
#   scripts/api-types.sh                          # rewrites explorer/src/openapi.ts (npm run api-types)
#   scripts/api-types.sh <file> <openapi.json>    # writes them elsewhere, and keeps the document
#                                                 # there (scripts/contract-check.sh lints it and compares)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-explorer/src/openapi.ts}"
document="${2:-}"
if [ -z "$document" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  document="$work/openapi.json"
fi
node -e "const { buildOpenApi } = require('./dist/src/api/openapi'); const { version } = require('./dist/src/version'); require('fs').writeFileSync(process.argv[1], JSON.stringify(buildOpenApi(version), null, 2))" "$document"
npx openapi-typescript "$document" -o "$out" --default-non-nullable false > /dev/null 2>&1
