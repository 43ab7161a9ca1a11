# shellcheck shell=sh
# refs-at-risk-function.sh: defines the shell function refs_at_risk, put in front of
# refs-at-risk.sh and preserve.sh so that what the gate counts and what is saved cannot
# drift apart.
#
# refs_at_risk, run in a repository, takes no arguments and prints one tab-separated line
# per ref holding work that no remote branch and no branch of the host has:
#   branch<TAB><name><TAB><commits>  a local branch with commits on no remote branch and
#                                    not on the host (refs/skipper/host/*) either;
#   stash<TAB><entries>              the workspace's own stash;
#   detached<TAB><commits>           a detached HEAD with commits on no branch, tag, remote
#                                    branch or host branch;
#   tag<TAB><name>                   a tag not among the host's (.git/skipper/host-tags),
#                                    or pointing elsewhere now.
# Ref names hold no tab, space or newline (git refuses them), so the lines split safely.

refs_at_risk() {
    git for-each-ref --format='%(refname)' refs/heads | while IFS= read -r ref; do
        n=$(git rev-list --count "$ref" --not --remotes --glob='refs/skipper/host/*')
        if [ "$n" -gt 0 ]; then printf 'branch\t%s\t%s\n' "${ref#refs/heads/}" "$n"; fi
    done
    if git rev-parse -q --verify refs/stash >/dev/null; then
        n=$(git rev-list --walk-reflogs --count refs/stash 2>/dev/null || echo 0)
        if [ "$n" -eq 0 ]; then n=1; fi
        printf 'stash\t%s\n' "$n"
    fi
    if ! git symbolic-ref -q HEAD >/dev/null && git rev-parse -q --verify HEAD >/dev/null; then
        n=$(git rev-list --count HEAD --not --branches --tags --remotes --glob='refs/skipper/host/*')
        if [ "$n" -gt 0 ]; then printf 'detached\t%s\n' "$n"; fi
    fi
    host_tags=.git/skipper/host-tags
    if [ ! -f "$host_tags" ]; then host_tags=/dev/null; fi
    git for-each-ref --format='%(objectname) %(refname)' refs/tags |
        { grep -vxF -f "$host_tags" || true; } |
        while read -r _ ref; do printf 'tag\t%s\n' "${ref#refs/tags/}"; done
}
