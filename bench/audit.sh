#!/usr/bin/env bash
# `make audit`: Lighthouse (npm) on the article page in the mobile profile,
# against gunicorn with debug off, through Debian's Chromium. Prints the four
# scores. Not part of `make test`. Everything it starts is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
LIGHTHOUSE_VERSION=13.5.0
TOOLS=$(mktemp -d /tmp/kuru-audit-tools.XXXXXX)
WORK=$(mktemp -d /tmp/kuru-audit.XXXXXX)
PORT=${AUDIT_PORT:-8765}
cleanup() {
  [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK" "$TOOLS"
}
trap cleanup EXIT

npm install --prefix "$TOOLS" --no-audit --no-fund --no-save --loglevel=error "lighthouse@$LIGHTHOUSE_VERSION" >/dev/null
export DJANGO_DEBUG=0 DJANGO_SECRET_KEY="audit-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  DJANGO_ALLOWED_HOSTS=127.0.0.1 DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_SECURE_HSTS_SECONDS=0 \
  SITE_URL="http://127.0.0.1:$PORT" DATABASE_URL="sqlite:///$WORK/audit.sqlite3" \
  DJANGO_STATIC_ROOT="$WORK/static" DJANGO_MEDIA_ROOT="$WORK/media"
$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
$PY manage.py load_demo >/dev/null
$PY -m gunicorn --bind "127.0.0.1:$PORT" --workers 2 --log-level warning kuru_site.wsgi:application &
SERVER=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/" >/dev/null && break; sleep 0.2; done

CHROME_PATH=$(command -v chromium) "$TOOLS/node_modules/.bin/lighthouse" \
  "http://127.0.0.1:$PORT/blog/can-foot-pain-cause-knee-pain/" \
  --form-factor=mobile --quiet --output=json --output-path="$WORK/report.json" \
  --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run" \
  >/dev/null
$PY - "$WORK/report.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
for key in ("performance", "accessibility", "best-practices", "seo"):
    print(f"{report['categories'][key]['title']:16} {round(report['categories'][key]['score'] * 100):3d}")
failed = [a["title"] for a in report["audits"].values() if a.get("score") is not None and a["score"] < 0.9 and a.get("scoreDisplayMode") == "binary"]
if failed:
    print("Failing checks:", "; ".join(failed[:12]))
PY
