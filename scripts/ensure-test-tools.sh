#!/usr/bin/env bash
# Install what the browser and HTML-validity tests need when it is missing, or say what to install.
#
#   Debian's chromium   the browser Playwright drives (/usr/bin/chromium; never `playwright install`)
#   java                runs the Nu HTML checker
#   node and npm        install the checker, vnu-jar, pinned in tests/browser/package-lock.json
#   Debian's nginx      serves the built site with deploy/nginx.conf (its CSP) in the CSP tests
#
# As root, missing Debian packages are installed with apt-get; otherwise the script stops with one
# line naming the command to run. Idempotent, and quick when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS=tests/browser
VNU_JAR=$TOOLS/node_modules/vnu-jar/build/dist/vnu.jar
apt_updated=no

need_package() {  # need_package COMMAND-OR-PATH DEBIAN-PACKAGE...
    local probe=$1
    shift
    if [ -x "$probe" ] || command -v "$probe" >/dev/null 2>&1; then
        return 0
    fi
    if [ "$(id -u)" -ne 0 ]; then
        echo "ensure-test-tools: install Debian's $1: sudo apt-get install -y $*" >&2
        exit 1
    fi
    echo "ensure-test-tools: installing $* with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    if [ "$apt_updated" = no ]; then
        apt-get update -qq
        apt_updated=yes
    fi
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

need_package /usr/bin/chromium chromium fonts-liberation  # fonts: readable screenshots
need_package java default-jre-headless
need_package npm npm
need_package /usr/sbin/nginx nginx

# The checker needs Java 17 or later (Debian 12's default-jre-headless is 17).
java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
if [ "${java_major%%.*}" -lt 17 ] 2>/dev/null; then
    echo "ensure-test-tools: java $java_major is too old for vnu.jar: install Java 17 or later" >&2
    exit 1
fi

# The pinned version, from package.json; reinstall when node_modules holds another one.
wanted=$(node -p "require('./$TOOLS/package.json').devDependencies['vnu-jar']")
installed=$(node -p "try { require('./$TOOLS/node_modules/vnu-jar/package.json').version } catch (e) { '' }")
if [ ! -f "$VNU_JAR" ] || [ "$installed" != "$wanted" ]; then
    echo "ensure-test-tools: installing vnu-jar $wanted with npm" >&2
    # --ignore-scripts: its postinstall would download a Java runtime; Debian's java runs the jar.
    npm ci --prefix "$TOOLS" --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
fi
if [ ! -f "$VNU_JAR" ]; then
    echo "ensure-test-tools: npm did not install $VNU_JAR; run: npm ci --prefix $TOOLS" >&2
    exit 1
fi
