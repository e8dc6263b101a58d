#!/usr/bin/env bash
# Prepares this machine for the SSH integration tests (test/integration/ssh*.test.ts, test/helpers/sshd.ts).
# Idempotent; needs root (CI runs as root). The tests start their OWN sshd on 127.0.0.1 with a temporary
# config and keys: this script only makes sure the binaries and a non-root login user exist.
#
#   - openssh-server (/usr/sbin/sshd) and sudo, installed with apt-get when missing
#   - user `squalltest` (home dir, bash), passwordless sudo through /etc/sudoers.d/squalltest
#   - user `squallpw`, whose sudo asks for the password (the sudo_password tests), one try only
#   - a KNOWN TEST-ONLY password for both (password login, sudo_password): `squalltest-Pw-0nly4tests`.
#     The test sshd listens on 127.0.0.1 only; never run this script on a machine reachable by others.
#   - /run/sshd (privilege separation directory sshd insists on)
set -euo pipefail

TEST_USER=squalltest
PW_SUDO_USER=squallpw
TEST_PASSWORD='squalltest-Pw-0nly4tests'

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-sshd: not root, skipping (the SSH integration tests will be skipped)" >&2
  exit 0
fi

if [ ! -x /usr/sbin/sshd ] || ! command -v sudo >/dev/null || ! command -v ssh-keygen >/dev/null \
  || ! command -v pgrep >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends openssh-server openssh-client sudo procps >/dev/null
fi

for user in "$TEST_USER" "$PW_SUDO_USER"; do
  if ! id "$user" >/dev/null 2>&1; then
    useradd --create-home --shell /bin/bash "$user"
  fi
  echo "$user:$TEST_PASSWORD" | chpasswd
done

# sudoers drop-ins: written atomically, checked with visudo when it exists.
write_sudoers() {
  mkdir -p /etc/sudoers.d
  printf '%s\n' "$2" >"$1.tmp"
  chmod 0440 "$1.tmp"
  if command -v visudo >/dev/null && ! visudo -cq -f "$1.tmp"; then
    rm -f "$1.tmp"
    echo "setup-sshd: invalid sudoers line for $1" >&2
    exit 1
  fi
  mv "$1.tmp" "$1"
}
write_sudoers "/etc/sudoers.d/$TEST_USER" "$TEST_USER ALL=(ALL) NOPASSWD:ALL"
write_sudoers "/etc/sudoers.d/$PW_SUDO_USER" "Defaults:$PW_SUDO_USER passwd_tries=1
$PW_SUDO_USER ALL=(ALL) PASSWD:ALL"

mkdir -p /run/sshd
chmod 0755 /run/sshd
echo "setup-sshd: sshd $(/usr/sbin/sshd -V 2>&1 | head -1 || true), users $TEST_USER and $PW_SUDO_USER ready"
