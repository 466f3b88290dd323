#!/usr/bin/env bash
# Refresh the vendored browser bundles from the versions pinned in package.json.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pin() { python3 -c "import json,sys;print(json.load(open('package.json'))['dependencies'][sys.argv[1]])" "$1"; }
(cd "$tmp" && npm pack "bootstrap@$(pin bootstrap)" "uppy@$(pin uppy)" "@uppy/locales@$(pin @uppy/locales)" \
  "axe-core@$(pin axe-core)" >/dev/null)
for f in "$tmp"/*.tgz; do mkdir -p "${f%.tgz}"; tar xzf "$f" -C "${f%.tgz}"; done
V=portal/static/vendor
mkdir -p "$V/bootstrap" "$V/uppy"
cp "$tmp"/bootstrap-*/package/dist/css/bootstrap.min.css "$tmp"/bootstrap-*/package/dist/js/bootstrap.bundle.min.js "$V/bootstrap/"
cp "$tmp"/uppy-[0-9]*/package/dist/uppy.min.js "$tmp"/uppy-[0-9]*/package/dist/uppy.min.css "$V/uppy/"
cp "$tmp"/uppy-locales-*/package/dist/vi_VN.min.js "$V/uppy/"
# axe-core runs only in the browser tests (tests/browser/test_every_page.py).
cp "$tmp"/axe-core-*/package/axe.min.js tests/support/
echo "vendored: $(ls $V/*)"
