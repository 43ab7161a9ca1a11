# shellcheck shell=sh
# refs-at-risk.sh: the dirty gate's list of refs holding work at risk. Runs after
# refs-at-risk-function.sh, which defines refs_at_risk.
#
# Arguments: none. Runs in the repository directory.
# Output: refs_at_risk's lines (see refs-at-risk-function.sh), read by parse_refs_at_risk.

set -eu
refs_at_risk
