#!/usr/bin/env bash
# The API contract tried as a hostile client would (issue 13): schemathesis
# (from PyPI, pinned in requirements.txt, installed into a venv here on first
# use) generates requests from the served OpenAPI document for every
# operation, as a caseworker, as a parent and as no one, against `cms serve`
# on a scratch SQLite database with a small demo caseload, and fails on any
# server error, any status the document does not list, a wrong content type
# or a body that does not match its documented schema.
#
# Usage: run.sh PATH-TO-cms   (SCHEMATHESIS_SECONDS per viewer, default 60)
# One worker: with two, schemathesis 4.32 now and then fails on its own
# cache (a KeyError inside its coverage phase), not on the API.
set -euo pipefail
cms="$1"
here="$(cd "$(dirname "$0")" && pwd)"
venv="${SCHEMATHESIS_VENV:-$here/.venv}"
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
fi
work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
export DATABASE_URL="sqlite://$work/cms.sqlite" CMS_KEYS_FILE="$work/keys.toml"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$cms" serve --listen "127.0.0.1:$port" --demo --demo-cases 40 >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 120); do
  if curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1; then break; fi
  sleep 0.5
done
curl -fs "http://127.0.0.1:$port/health" >/dev/null || { cat "$work/serve.log"; echo "contract: the service did not start" >&2; exit 1; }
staff="$("$cms" token issue --person 17 --role caseworker 2>/dev/null | head -1)"
parent="$("$cms" token issue --person 1 --role paying_parent 2>/dev/null | head -1)"
seconds="${SCHEMATHESIS_SECONDS:-60}"
failed=0
for viewer in caseworker parent none; do
  case "$viewer" in
    caseworker) auth=(-H "Authorization: Bearer $staff") ;;
    parent) auth=(-H "Authorization: Bearer $parent") ;;
    none) auth=() ;;
  esac
  echo "== contract as $viewer ($seconds s)"
  if ! "$venv/bin/schemathesis" run "http://127.0.0.1:$port/api/v1/openapi.json" "${auth[@]}" \
      --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
      --phases examples,coverage,fuzzing --max-time "$seconds" --workers 1 \
      --suppress-health-check all --warnings off --generation-database none --no-color; then
    failed=1
  fi
done
if ! kill -0 "$server" 2>/dev/null; then
  echo "contract: the service stopped during the run" >&2
  tail -20 "$work/serve.log" >&2
  exit 1
fi
exit "$failed"
