# shellcheck shell=sh
# exec-guard.sh: the opening of the scripts that start the user's commands and shells
# (exec-recording-pid.sh, exec-program.sh, interactive-shell.sh), run before anything else
# when sk asks for it. A command must not start in a container whose setup did not finish,
# nor with an environment made of another project file than the one at HEAD now. When it
# must not, the reason (`unready` or `project`) is written to the file $SKIPPER_GUARD and
# the script exits 121, before reading any input; sk reads the file (a command of the
# user's may exit 121 too), and starts the command again with the new environment.
#
# Environment: SKIPPER_GUARD, the file for the reason (nothing is checked without it);
#   SKIPPER_GUARD_PROJECT, the object id of HEAD:.skipper.toml the command's environment
#   was made of (empty: HEAD had none). Both are unset before the command starts.
# Working directory: the repository.

if [ -n "${SKIPPER_GUARD-}" ]; then
    if [ ! -e .git/skipper/ready ]; then
        { echo unready >"$SKIPPER_GUARD"; } 2>/dev/null
        exit 121
    fi
    if [ "$(git rev-parse -q --verify HEAD:.skipper.toml 2>/dev/null)" != "${SKIPPER_GUARD_PROJECT-}" ]; then
        { echo project >"$SKIPPER_GUARD"; } 2>/dev/null
        exit 121
    fi
    unset SKIPPER_GUARD SKIPPER_GUARD_PROJECT
fi
