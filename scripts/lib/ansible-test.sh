# Shared by scripts/sanity and scripts/units (sourced, not run): what `ansible-test ... --venv`
# needs to run offline from a copy of this checkout. Callers set `root` (the repository).
# Copyright: (c) 2026, underlay.network contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# ansible-test's --venv bootstrap runs ~/.ansible/test/cache/get_pip_<pip version>.py with
# pip's install arguments, and downloads it from ci-files.testing.ansible.com when missing.
# Put a stand-in there: pip from the interpreter's bundled wheel (ensurepip, offline), then
# that pip installs the requested pip version from PyPI. A real cached get-pip is left alone.
write_get_pip() {
  local path=$1
  if [ -e "$path" ] && ! grep -q 'underlay.network get-pip stand-in' "$path"; then return 0; fi
  mkdir -p "$(dirname "$path")"
  cat >"$path.new" <<'PY'
# underlay.network get-pip stand-in (written by scripts/lib/ansible-test.sh; delete to use the real one).
import subprocess
import sys

flags = ('--no-setuptools', '--no-wheel')
args = [a for a in sys.argv[1:] if a not in flags]  # get-pip options that pip install lacks
py = sys.executable
subprocess.check_call([py, '-m', 'ensurepip', '--default-pip'], stdout=subprocess.DEVNULL)
subprocess.check_call([py, '-m', 'pip', 'install', '-q'] + args)
if '--no-setuptools' in sys.argv:  # Python <= 3.11's ensurepip also installs setuptools
    subprocess.check_call([py, '-m', 'pip', 'uninstall', '-q', '-y', 'setuptools'],
                          stderr=subprocess.DEVNULL)
PY
  if cmp -s "$path.new" "$path"; then rm "$path.new"; return 0; fi
  mv "$path.new" "$path"
  echo "ansible-test: wrote get-pip stand-in $path"
}

# write_get_pips VENV: a stand-in for every pip version the venv's ansible-test bootstraps
# (get_venv_packages() in its python_requirements.py).
write_get_pips() {
  local venv=$1 pipver
  for pipver in $(grep -ohE "pip='[0-9.]+'" "$venv"/lib/python*/site-packages/ansible_test/_internal/python_requirements.py | tr -dc '0-9.\n'); do
    write_get_pip "$HOME/.ansible/test/cache/get_pip_${pipver//./_}.py"
  done
}

# A copy of what git would ship (tracked + untracked-not-ignored), at a real path ending in
# ansible_collections/underlay/network: ansible-test derives the collection name from the
# physical cwd, and finds files through the nearest .git (hence git init in the copy, or it
# would walk up to this repo's .git).
# copy_collection_tree WORKDIR prints the copy's path, WORKDIR/ansible_collections/underlay/network.
copy_collection_tree() {
  local tree=$1/ansible_collections/underlay/network
  mkdir -p "$tree"
  (cd "$root" && git ls-files -z -co --exclude-standard |
    while IFS= read -r -d '' f; do
      if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi # skip deleted-but-tracked
    done |
    tar -c --null -T - -f -) | tar -C "$tree" -xf -
  git -C "$tree" init -q
  git -C "$tree" add -A
  echo "$tree"
}
