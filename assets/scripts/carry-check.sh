# shellcheck shell=sh
# carry-check.sh: where files carried from the host checkout may be written in the
# repository directory (the working directory), so that nothing is overwritten and nothing
# is written through a symbolic link, out of the repository.
#
# Arguments: paths relative to the working directory, `/`-separated, with no empty, `.` or
# `..` component.
# Output: one line per argument, in order:
#   `ok N`       nothing is at its place and its first N directories are directories (the
#                rest are missing, to be made);
#   `there`      something (a file, a directory, a link, even a dangling one) is at its place;
#   `through N`  its directory of N components is a symbolic link or not a directory.
# Exit status 0.

for path in "$@"; do
    dir=
    existing=0
    verdict=
    rest=$path
    while :; do
        case $rest in
            */*) ;;
            *) break ;;
        esac
        dir=${dir:+$dir/}${rest%%/*}
        rest=${rest#*/}
        if [ -L "$dir" ] || { [ -e "$dir" ] && [ ! -d "$dir" ]; }; then
            verdict="through $((existing + 1))"
            break
        fi
        [ -d "$dir" ] || break
        existing=$((existing + 1))
    done
    if [ -z "$verdict" ]; then
        if [ -e "$path" ] || [ -L "$path" ]; then
            verdict=there
        else
            verdict="ok $existing"
        fi
    fi
    printf '%s\n' "$verdict"
done
