#!/usr/bin/env bash
# The server's layers point one way: the pages never import from the API (both render the view
# models of `present/` and call `app/`), and authentication never imports from the pages. Looks
# at every path the modules name (`use` lines and inline `crate::…` paths). And handlers take
# the caller's scope from the `Scoped` extractor, never by building one (`Scope::of`).
set -euo pipefail
cd "$(dirname "$0")/../crates/server/src"
status=0
check() {
  local from="$1" to="$2"
  if grep -rnE "(^|[^a-z_])crate::${to}(::|\b)|super::${to}::" "$from"; then
    echo "the lines above make ${from}/ depend on ${to}/"
    status=1
  fi
}
check pages api
check auth pages
for layer in api pages; do
  if grep -rn "Scope::of" "$layer"; then
    echo "the lines above build a Scope in ${layer}/: take the \`Scoped\` extractor instead"
    status=1
  fi
done
exit $status
