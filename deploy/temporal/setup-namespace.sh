#!/bin/sh
# One-shot job (temporal-namespace-setup, temporalio/admin-tools image) run once the Temporal server is healthy:
# creates the namespace the service uses and registers the custom search attributes its workflows set
# (contracts/search-attributes.ts, passed in SEARCH_ATTRIBUTES as "Name=Type" words). Idempotent: an existing
# namespace or attribute is left as it is. The worker also registers missing attributes itself at start.
set -eu

address="${TEMPORAL_ADDRESS:-temporal:7233}"
namespace="${TEMPORAL_NAMESPACE:-default}"
retention="${TEMPORAL_RETENTION:-720h}"
: "${SEARCH_ATTRIBUTES:?SEARCH_ATTRIBUTES must list Name=Type pairs}"

# Dial the server's IPv4 address (it listens on 0.0.0.0), as Temporal's own compose samples do, so the CLI does not
# try an IPv6 address first on hosts where the name also resolves to one.
host="${address%:*}"
port="${address##*:}"
ip="$(getent ahosts "$host" 2>/dev/null | awk '$2 == "STREAM" && $1 ~ /^[0-9.]+$/ { print $1; exit }')" || ip=""
if [ -n "$ip" ]; then address="${ip}:${port}"; fi
export TEMPORAL_ADDRESS="$address"

# retry N COMMAND...: run COMMAND until it succeeds, at most N times, 2 s apart.
retry() {
  attempts="$1"
  shift
  n=1
  until "$@"; do
    if [ "$n" -ge "$attempts" ]; then
      echo "gave up after ${attempts} attempts: $*" >&2
      return 1
    fi
    n=$((n + 1))
    sleep 2
  done
}

echo "waiting for the Temporal server at ${address}"
retry 60 temporal operator cluster health

if temporal operator namespace describe --namespace "$namespace" >/dev/null 2>&1; then
  echo "namespace ${namespace} exists"
else
  echo "creating namespace ${namespace} (retention ${retention})"
  retry 10 temporal operator namespace create --namespace "$namespace" --retention "$retention"
fi

# A namespace just created reaches every server role within seconds: retry while it is not yet known.
retry 15 temporal operator search-attribute list --namespace "$namespace" >/dev/null
existing="$(temporal operator search-attribute list --namespace "$namespace")"
added=0
for pair in $SEARCH_ATTRIBUTES; do
  name="${pair%%=*}"
  type="${pair#*=}"
  if printf '%s\n' "$existing" | grep -qw -- "$name"; then
    echo "search attribute ${name} exists"
  else
    echo "registering search attribute ${name} (${type})"
    retry 10 temporal operator search-attribute create --namespace "$namespace" --name "$name" --type "$type"
    added=$((added + 1))
  fi
done
if [ "$added" -gt 0 ]; then
  # Each server role caches the search attributes for up to 60 s; a workflow started with a new attribute before
  # its cache refreshes is rejected. The worker and API start only after this job ends, so wait that out here
  # (only when something was added, i.e. on the first start).
  echo "waiting 65 s for the server's search-attribute caches to see the new attributes"
  sleep 65
fi
echo "namespace ${namespace} and its search attributes are ready"
