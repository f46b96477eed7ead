# shellcheck shell=sh
# gitsess's chain guard (chain.sh, beside the shims): install puts this block in
# every shim, with @HOOK@ the shim's hook. It runs the hook chained before
# gitsess's as <hook>.legacy, and never lets a shim run itself:
# - another tool may have moved this shim to <hook>.legacy and run it from
#   its own hook (pre-commit does): $0 then ends in .legacy, and
#   "${0%/*}/<hook>.legacy" is this very file; `pre-commit install` after
#   `git sess install` made commit-msg call itself until fork failed;
# - a chained hook that runs this hook again (a wrapper, a symlink, a hooks
#   directory that sources another) is given GITSESS_CHAIN naming the hook:
#   the outer shim does gitsess's work, the inner one nothing.
case " ${GITSESS_CHAIN-} " in *" @HOOK@ "*) exit 0 ;; esac
# Run as <hook>.legacy, the hook gitsess chained is the user's, kept as
# .gitsess-chained/<hook>.user (install moved it there, out of that tool's way).
gitsess_legacy() {
  case $0 in
    *.legacy) set -- "${0%/*}/.gitsess-chained/@HOOK@.user" "$@" ;;
    *) set -- "${0%/*}/@HOOK@.legacy" "$@" ;;
  esac
  [ -x "$1" ] || return 0
  GITSESS_CHAIN="${GITSESS_CHAIN-} @HOOK@" "$@"
}
