//! Fault injection for the crash suite: a named point in a long operation where a debug
//! build of `sk` kills itself when told to, so tests can crash it at an exact phase
//! instead of guessing with sleeps. Release builds compile every point to nothing.
//!
//! `SK_FAULT_AT=<point>` names the point; `SK_FAULT_MODE=kill-group` kills the whole
//! process group (as closing a terminal does), else `sk` alone is killed. Both use
//! SIGKILL: nothing of `sk`'s own runs after it, as in a real crash. Points are named
//! `<operation>.<phase>`, e.g. `remove.after-save`; `docs/reliability.md` lists them.

/// Dies by SIGKILL here when `SK_FAULT_AT` names `point` (debug builds only).
pub fn fault_point(point: &str) {
    #[cfg(debug_assertions)]
    if std::env::var_os("SK_FAULT_AT").is_some_and(|at| at == point) {
        use rustix::process::{Signal, getpid, kill_current_process_group, kill_process};
        if std::env::var_os("SK_FAULT_MODE").is_some_and(|mode| mode == "kill-group") {
            let _ = kill_current_process_group(Signal::KILL);
        }
        let _ = kill_process(getpid(), Signal::KILL);
        // SIGKILL to oneself is delivered before kill(2) returns.
        std::process::abort();
    }
    #[cfg(not(debug_assertions))]
    let _ = point;
}
