#!/usr/bin/env bash
# Before the first release the schema is one reviewed revision: rebuild it from the models.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -f migrations/versions/*.py
DATABASE_URL="sqlite:///$tmp/x.sqlite" FLASK_APP=wsgi.py .venv/bin/flask db migrate -m "initial schema" --rev-id 0001 >/dev/null 2>&1
sed -i 's/^import portal.models.types$/import portal.models.types  # noqa: F401/' migrations/versions/0001_initial_schema.py
echo "wrote migrations/versions/0001_initial_schema.py"
