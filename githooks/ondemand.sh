# shellcheck shell=sh
# gitsess's on-demand exit (ondemand.sh, beside the shims): install puts this
# block in the prepare-commit-msg and post-commit shims, with @HOOK@ the
# shim's hook. Where gitsess owns the hook name outright, install keeps the
# shim as .gitsess-chained/@HOOK@.ondemand and links it into place only when
# there is work (gitsess/store/hookfiles.py says who arms it): git starts
# each hook as a process, which costs an ordinary commit as much as a fifth
# of itself. A shim that finds nothing to do takes its link away again; the
# same-file test (-ef) never lets it remove a hook that is not that link.
gitsess_idle() {
  if [ "$0" -ef "${0%/*}/.gitsess-chained/@HOOK@.ondemand" ]; then
    rm -f -- "$0" 2>/dev/null
  fi
  exit 0
}
