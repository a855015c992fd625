#!/usr/bin/env bash
# Installs the system programs the tests drive for real (OpenSSH's sshd, Chromium,
# PostgreSQL, Java 17 for Spark) with apt-get when they are missing and we are
# allowed to. Where they cannot be installed, the tests that need them say so and
# skip; nothing here fails the test run.
set -uo pipefail

# command to look for -> Debian package that provides it
declare -A wanted=(
    [/usr/sbin/sshd]=openssh-server
    [chromium]=chromium            # the docs-site test (driven by playwright)
    [pg_ctlcluster]=postgresql     # the `publish --postgres` tests (server and psql)
    [java]=openjdk-17-jre-headless # Spark, for test_spark.py (`build --target spark`)
)

missing=()
for cmd in "${!wanted[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || [ -x "$cmd" ] || missing+=("${wanted[$cmd]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "setup_system: not root or no apt-get; tests needing ${missing[*]} will skip" >&2
    exit 0
fi
echo "setup_system: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Slim Debian images drop the man pages' folders; the JRE's postinst needs this one.
mkdir -p /usr/share/man/man1
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || echo "setup_system: apt-get failed; tests needing ${missing[*]} will skip" >&2
exit 0
