#!/usr/bin/env bash
# Prepares this machine for the SSH integration tests (test/integration/ssh*.test.ts, test/helpers/sshd.ts).
# Idempotent; needs root (CI runs as root). The tests start their OWN sshd on 127.0.0.1 with a temporary
# config and keys: this script only makes sure the binaries and a non-root login user exist.
#
#   - openssh-server (/usr/sbin/sshd) and sudo, installed with apt-get when missing
#   - user `squalltest` (home dir, bash), passwordless sudo through /etc/sudoers.d/squalltest
#   - a KNOWN TEST-ONLY password for squalltest (the password-login test): `squalltest-Pw-0nly4tests`.
#     The test sshd listens on 127.0.0.1 only; never run this script on a machine reachable by others.
#   - /run/sshd (privilege separation directory sshd insists on)
set -euo pipefail

TEST_USER=squalltest
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

if ! id "$TEST_USER" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash "$TEST_USER"
fi
echo "$TEST_USER:$TEST_PASSWORD" | chpasswd

SUDOERS=/etc/sudoers.d/$TEST_USER
if [ ! -f "$SUDOERS" ]; then
  mkdir -p /etc/sudoers.d
  echo "$TEST_USER ALL=(ALL) NOPASSWD:ALL" >"$SUDOERS.tmp"
  chmod 0440 "$SUDOERS.tmp"
  mv "$SUDOERS.tmp" "$SUDOERS"
fi

mkdir -p /run/sshd
chmod 0755 /run/sshd
echo "setup-sshd: sshd $(/usr/sbin/sshd -V 2>&1 | head -1 || true), user $TEST_USER ready"
