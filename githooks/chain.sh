# shellcheck shell=sh
# gitsess's chain guard (githooks/chain.sh): install puts this same block in
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
gitsess_legacy() {
  case $0 in *.legacy) return 0 ;; esac
  [ -x "${0%/*}/@HOOK@.legacy" ] || return 0
  GITSESS_CHAIN="${GITSESS_CHAIN-} @HOOK@" "${0%/*}/@HOOK@.legacy" "$@"
}
