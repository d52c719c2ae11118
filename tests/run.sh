#!/usr/bin/env bash
# Installs everything the test suite needs, from this repository's own files, and runs it.
# Run as root: the network tests create namespaces and the runtime tests start containerd.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    missing=()
    command -v containerd >/dev/null || missing+=(containerd)
    command -v ip >/dev/null || missing+=(iproute2)
    # tests/network/test_netstat_rn.py compares the netstat view with net-tools' own.
    command -v netstat >/dev/null || missing+=(net-tools)
    # tests/real/ builds a Debian root with debootstrap and asks its own programs.
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    # tests/cluster/test_cluster_ssh.py runs a real sshd in each node's network namespace.
    [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
    # tests/ui/test_serve.py opens `kubeadm-wizard serve` in a headless browser.
    command -v chromium >/dev/null || missing+=(chromium)
    if [ ${#missing[@]} -gt 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "${missing[@]}" || exit 1
    fi
fi

# The Debian root for tests/real/ is built here, once per checkout (cached in .cache/),
# rather than inside a test, where pytest's per-test timeout would cut it short.
# Debian 13 too where the archive serves it; the real tests then run on both roots.
if [ "$(id -u)" = 0 ] && command -v debootstrap >/dev/null; then
    bash tests/real/build_root.sh bookworm .cache/debian-roots >/dev/null || exit 1
    suites=bookworm
    if bash tests/real/build_root.sh trixie .cache/debian-roots >/dev/null; then
        suites=bookworm,trixie
    else
        echo "tests/run.sh: no Debian 13 root (the archive did not serve trixie); real tests on 12 only" >&2
    fi
    export KW_REAL_SUITES=${KW_REAL_SUITES:-$suites}
fi

python3 -m venv .venv || exit 1
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1
.venv/bin/python -m pip install -q -e '.[test]' || exit 1

# The sources' bytecode, written once here: the suite starts the wizard as a process some
# hundreds of times, and where PYTHONDONTWRITEBYTECODE is set each would compile it anew.
.venv/bin/python -m compileall -q wizard screens >/dev/null || exit 1

# Two workers, one per core of this project's machines; a file's tests stay on one worker
# (they share module fixtures: a namespace, a debootstrap copy, an SSH cluster).
.venv/bin/python -m pytest -n "${KW_TEST_WORKERS:-2}" --dist loadfile "$@"
status=$?
if [ "$status" -eq 5 ]; then
    echo "tests/run.sh: pytest collected no tests; that is a failure here" >&2
    exit 1
fi
exit "$status"
