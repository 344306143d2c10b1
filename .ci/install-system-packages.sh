#!/usr/bin/env bash
# Install the Debian 12 packages evalkit needs outside Python. Idempotent: when every package
# is already installed it only checks and exits (fast enough to run from every `make`).
#
#   fonts-noto-cjk       Noto Sans/Serif CJK (SC face) for charts and appendices
#   fontconfig           fc-cache, and the font lookup Pango uses
#   libpango-1.0-0       \
#   libpangoft2-1.0-0     } text layout for WeasyPrint (HTML -> A4 PDF)
#   libharfbuzz-subset0  /  font subsetting (without it WeasyPrint warns, and tests fail)
#   poppler-utils        pdftotext / pdffonts / pdftoppm, to inspect appendices
#   chromium             to view HTML appendices headless
#   libreoffice-writer-nogui \  a real office suite, headless: the tests open every .docx and
#   libreoffice-calc-nogui   /  .xlsx, convert them to PDF and recalculate the formulas
#   python3-venv         so Debian's python3 can create the project's virtualenv
#
# fonts-noto-cjk-extra is not needed: Debian 12's fonts-noto-cjk already has the SC faces of
# Noto Sans CJK and Noto Serif CJK (Regular and Bold).
#
# As root: installs what is missing (apt-get update first). Otherwise: prints the command to
# run and exits 1.
set -euo pipefail

packages=(
  fonts-noto-cjk
  fontconfig
  libpango-1.0-0
  libpangoft2-1.0-0
  libharfbuzz-subset0
  poppler-utils
  chromium
  libreoffice-writer-nogui
  libreoffice-calc-nogui
  python3-venv
)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "system packages: all ${#packages[@]} present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "system packages missing: ${missing[*]}" >&2
  echo "run: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"

fonts_installed=0
for pkg in "${missing[@]}"; do
  case "$pkg" in fonts-*|fontconfig) fonts_installed=1 ;; esac
done
if [ "$fonts_installed" -eq 1 ]; then
  fc-cache -f >/dev/null
  # matplotlib keeps its own font list: evalkit.fonts.use_cjk_font() registers the CJK font
  # itself when that list predates the install, so there is nothing to rebuild here.
fi
echo "system packages: done"
