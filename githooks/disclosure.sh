# shellcheck shell=sh
# gitsess's disclosure gate (disclosure.sh, beside the shims): install puts this
# block in the prepare-commit-msg and commit-msg shims. Python is started for
# AI disclosure (gitsess/handoff/disclosure.py) only when the worktree's
# .gitsess.yaml names `disclosure` and a session ref may be live; both are
# decided here with shell builtins (a packed-refs file costs one grep), so an
# ordinary commit pays a stat or two. The worktree's file is the one read:
# hooks run at its top, and a policy deleted there but still in HEAD is not seen.
gitsess_policy_discloses() {
  [ -f .gitsess.yaml ] || return 1
  gitsess_n=0
  while IFS= read -r gitsess_l || [ -n "$gitsess_l" ]; do
    case $gitsess_l in disclosure:*) return 0 ;; esac
    gitsess_n=$((gitsess_n + 1))
    if [ "$gitsess_n" -ge 64 ]; then  # read takes a byte per system call
      grep -q '^disclosure:' .gitsess.yaml
      [ $? -ne 1 ]; return $?  # 2: grep failed, let gitsess decide
    fi
  done < .gitsess.yaml
  return 1
}
gitsess_sessions() {
  gitsess_gd=${GIT_DIR:-.git}
  if [ -f "$gitsess_gd" ]; then  # a linked worktree's .git file: "gitdir: <path>"
    IFS= read -r gitsess_gd < "$gitsess_gd"
    gitsess_gd=${gitsess_gd#gitdir: }
  fi
  if [ -f "$gitsess_gd/commondir" ]; then
    IFS= read -r gitsess_c < "$gitsess_gd/commondir"
    case $gitsess_c in /*) gitsess_gd=$gitsess_c ;; *) gitsess_gd=$gitsess_gd/$gitsess_c ;; esac
  fi
  for gitsess_f in "$gitsess_gd"/refs/sess/live/*; do
    [ -e "$gitsess_f" ] && return 0
  done
  [ -d "$gitsess_gd/reftable" ] && return 0
  [ -f "$gitsess_gd/packed-refs" ] || return 1
  grep -q ' refs/sess/live/' "$gitsess_gd/packed-refs"
  [ $? -ne 1 ]
}
