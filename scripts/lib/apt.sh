# apt-get with retries, for scripts/setup.sh (sourced; test/unit/setup-apt.test.ts drives it with a
# fake apt-get). Mirrors fail transiently ("Mirror sync in progress?", a lock held by another apt):
# every step is tried SKIFF_APT_ATTEMPTS times with a growing pause. A failed index update alone does
# not stop the set-up (an optional index, such as a foreign architecture's, may be what failed; the
# packages can still be installable); an install that still fails ends it with one line saying why.
SUDO=${SUDO-}
SKIFF_APT_ATTEMPTS=${SKIFF_APT_ATTEMPTS:-4}
SKIFF_APT_PAUSE=${SKIFF_APT_PAUSE:-5}

# apt_retry CMD...: runs CMD until it succeeds, SKIFF_APT_ATTEMPTS times at most; returns its last status
apt_retry() {
  local attempt=1 rc
  while :; do
    rc=0
    "$@" || rc=$?
    [ "$rc" -eq 0 ] && return 0
    [ "$attempt" -ge "$SKIFF_APT_ATTEMPTS" ] && return "$rc"
    echo "==> $1 ${*:2} failed (exit $rc), attempt $attempt of $SKIFF_APT_ATTEMPTS; again in $((SKIFF_APT_PAUSE * attempt)) s" >&2
    sleep "$((SKIFF_APT_PAUSE * attempt))"
    attempt=$((attempt + 1))
  done
}

apt_update() {
  $SUDO apt-get -o DPkg::Lock::Timeout=120 update -qq
}

apt_install_once() {
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends "$@" >/dev/null
}

# apt_install PACKAGE...: refreshes the package lists (tolerating a failure), then installs; an install
# that fails refreshes the lists again before the next attempt (a stale list names removed files)
apt_install() {
  local attempt=1 rc
  if ! apt_retry apt_update; then
    echo "==> warning: apt-get update still fails; installing from the package lists this machine has" >&2
  fi
  while :; do
    rc=0
    apt_install_once "$@" || rc=$?
    [ "$rc" -eq 0 ] && return 0
    if [ "$attempt" -ge "$SKIFF_APT_ATTEMPTS" ]; then
      echo "setup.sh: apt-get install failed (exit $rc) $attempt times for: $*; check the machine's network and Debian mirror (apt-get update must succeed), then run scripts/setup.sh again" >&2
      return "$rc"
    fi
    echo "==> apt-get install failed (exit $rc), attempt $attempt of $SKIFF_APT_ATTEMPTS; again in $((SKIFF_APT_PAUSE * attempt)) s" >&2
    sleep "$((SKIFF_APT_PAUSE * attempt))"
    apt_update || true
    attempt=$((attempt + 1))
  done
}
