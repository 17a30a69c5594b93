#!/usr/bin/env bash
# The API contract as third-party tools see it (part of `npm test`, after the build): Redocly's
# strictest recommended rules on /openapi.json (0 errors, 0 warnings), then openapi-typescript's types
# for it, a small client (tests/contract/client.ts) that must compile against them, and the
# explorer page's copy of those types (explorer/src/openapi.ts), which must be current.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
scripts/api-types.sh "$work/api.d.ts" "$work/openapi.json"
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true npx redocly lint "$work/openapi.json" --extends=recommended-strict --format=summary > "$work/lint.log" 2>&1 || { cat "$work/lint.log"; exit 1; }
cp tests/contract/client.ts "$work/client.ts"
npx tsc --noEmit --strict --target es2022 --module commonjs --moduleResolution node --types node --typeRoots node_modules/@types --skipLibCheck "$work/client.ts" "$work/api.d.ts"
if ! diff -q "$work/api.d.ts" explorer/src/openapi.ts > /dev/null; then
  echo "contract: explorer/src/openapi.ts is not the types of this /openapi.json; run npm run api-types (after npm run build)" >&2
  exit 1
fi
echo "contract: redocly lint (recommended-strict) 0 errors, 0 warnings; openapi-typescript types compile tests/contract/client.ts; the explorer's types are current"
