#!/usr/bin/env bash
# `make run`: build the release hub and the web UI, create the demo database on SQLite, serve it.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh run
echo "==> building the hub (release)"
cmake --preset release >/dev/null
cmake --build --preset release --target caduceus-hub caduceus
echo "==> building the web UI"
(cd web && npm run --silent build >/dev/null)

mkdir -p var
db="sqlite://$PWD/var/demo.db"
creds="$PWD/var/demo-credentials.json"
hub=build/bin/caduceus-hub
# `demo` adds only what is missing, so a database from an older release gains the newer areas.
echo "==> the demo data set in var/demo.db"
"$hub" demo -d "$db" --credentials-file "$creds" >/dev/null
listen="${CADUCEUS_LISTEN:-127.0.0.1:8080}"
cat <<MSG

  Caduceus hub: http://$listen/

  Log in with any demo user below (passwords are also in var/demo-credentials.json):
MSG
node -e '
  const u = require(process.argv[1]).users;
  for (const x of u) console.log("    " + x.username.padEnd(13) + x.password.padEnd(18) + x.role.padEnd(9) + x.organisation);
' "$creds"
cat <<MSG

  e.g. eu.admin (support centre), be.analyst (Belgian CSIRT), h1.admin (a hospital).
  Stop with Ctrl-C. Start again from scratch: rm -rf var && make run

MSG
exec "$hub" serve -d "$db" --listen "$listen" --web-root web/dist
