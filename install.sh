#!/bin/sh
# install.sh [--demo] [--agent claude] [--local] [REPO]
#
# Installs gitsess from the directory this script lives in into its own
# virtual environment, ${XDG_DATA_HOME:-~/.local/share}/gitsess/venv, and
# links `git-sess` into ~/.local/bin (so `git sess ...` works once that is on
# PATH; the script says how when it is not). Given REPO, it then runs
# `git sess install` there (with --agent/--local passed on). Safe to run
# again: an unchanged source is not reinstalled, the link is kept, and
# `git sess install` itself changes nothing the second time. With --demo it
# then runs `git sess demo` (a replayed session in a throwaway repository).
#
# Environment: GITSESS_PYTHON (default python3, 3.10 or newer),
# GITSESS_VENV (default above), GITSESS_BIN_DIR (default ~/.local/bin).
set -eu

die() { echo "install.sh: error: $*" >&2; exit 1; }

usage() {
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
}

src=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}/gitsess
venv=${GITSESS_VENV:-$data/venv}
bindir=${GITSESS_BIN_DIR:-$HOME/.local/bin}
py=${GITSESS_PYTHON:-python3}
# Relative paths would make a dangling link and break `git sess install` in REPO.
case $venv in /*) ;; *) venv=$(pwd)/$venv ;; esac
case $bindir in /*) ;; *) bindir=$(pwd)/$bindir ;; esac
repo=
demo=
set --  "$@" --end--
while [ "$1" != --end-- ]; do
  case $1 in
    --agent) [ "$2" != --end-- ] || die "--agent needs a value (claude)"
             set -- "$@" --agent "$2"; shift 2 ;;
    --agent=*) set -- "$@" --agent "${1#--agent=}"; shift ;;
    --local) set -- "$@" --local; shift ;;
    --demo) demo=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) die "unknown option $1 (see install.sh --help)" ;;
    *) [ -z "$repo" ] || die "one repository at a time ($repo, $1)"
       repo=$1; shift ;;
  esac
done
shift  # drop --end--; "$@" now holds the options for `git sess install`

command -v git >/dev/null 2>&1 || die "git is not installed"
command -v "$py" >/dev/null 2>&1 || die "$py not found (set GITSESS_PYTHON to a Python 3.10+)"
"$py" -c 'import sys; sys.exit(sys.version_info < (3, 10))' ||
  die "gitsess needs Python 3.10 or newer; $py is $("$py" -V 2>&1)"
[ -f "$src/pyproject.toml" ] && [ -d "$src/gitsess" ] || die "$src is not a gitsess source tree"

if [ -e "$venv" ] && [ ! -f "$venv/pyvenv.cfg" ] && [ -n "$(ls -A "$venv" 2>/dev/null || echo file)" ]; then
  die "$venv exists and is not a virtual environment; not installing into it (set GITSESS_VENV to a new directory)"
fi
link=$bindir/git-sess
if [ -e "$link" ] && [ ! -L "$link" ]; then
  die "$link exists and is not a symlink; not replacing it (remove it or set GITSESS_BIN_DIR)"
fi

# What is installed is named by the source directory and a checksum of its files.
stamp=$(cd "$src" && find pyproject.toml gitsess githooks schemas -type f \
          ! -name '*.pyc' ! -path '*__pycache__*' | LC_ALL=C sort | xargs cat | cksum)
marker="$venv/.gitsess-source"
if [ -x "$venv/bin/git-sess" ] && [ "$(cat "$marker" 2>/dev/null)" = "$src $stamp" ]; then
  echo "gitsess: up to date in $venv"
else
  if [ ! -x "$venv/bin/python" ]; then
    "$py" -m venv "$venv" ||
      die "could not create a virtual environment at $venv (Debian/Ubuntu: apt-get install python3-venv)"
  fi
  echo "gitsess: installing $src into $venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$src" ||
    die "pip could not install gitsess into $venv"
  echo "$src $stamp" >"$marker"
fi
"$venv/bin/git-sess" --version >/dev/null || die "$venv/bin/git-sess does not run"

mkdir -p "$bindir"
[ "$(readlink "$link" 2>/dev/null)" = "$venv/bin/git-sess" ] || ln -sf "$venv/bin/git-sess" "$link"
echo "gitsess: $link -> $venv/bin/git-sess"
case ":$PATH:" in
  *":$bindir:"*) ;;
  *) echo "gitsess: $bindir is not on your PATH; add this line to ~/.profile (or your shell's rc file):"
     echo "  export PATH=\"$bindir:\$PATH\""
     echo "  (until then, run $link directly)" ;;
esac

if [ -n "$repo" ]; then
  [ -d "$repo" ] || die "$repo is not a directory"
  (cd "$repo" && "$venv/bin/git-sess" install "$@")
elif [ $# -gt 0 ]; then
  die "--agent/--local apply to a repository: install.sh $* REPO"
fi
if [ -n "$demo" ]; then
  "$venv/bin/git-sess" demo
fi
