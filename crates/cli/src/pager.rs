//! Paging as git pages: the pager git would use (`git var GIT_PAGER` in the host checkout:
//! `GIT_PAGER`, `core.pager`, `PAGER`, else `less`), run as shell text like git runs it,
//! with git's defaults `LESS=FRX` and `LV=-c` when they are unset; `cat` or nothing means
//! no pager. The pager reads a file: nothing is held in memory.

use std::fs::File;
use std::io;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use signal_hook::consts::{SIGINT, SIGQUIT};

/// The variables git sets for its pager when they are unset.
const PAGER_ENV: [(&str, &str); 2] = [("LESS", "FRX"), ("LV", "-c")];

/// The pager `git var GIT_PAGER` printed, or `None` when it says not to page (empty, or
/// `cat`, as git takes them).
pub fn chosen(git_var: &str) -> Option<&str> {
    let pager = git_var.strip_suffix('\n').unwrap_or(git_var);
    (!pager.is_empty() && pager != "cat").then_some(pager)
}

/// The variables to set for the pager: git's defaults of those `is_set` says are unset.
pub fn environment(is_set: impl Fn(&str) -> bool) -> Vec<(&'static str, &'static str)> {
    PAGER_ENV
        .into_iter()
        .filter(|(name, _)| !is_set(name))
        .collect()
}

/// Runs `pager` (shell text, as git runs it) with `input` as its stdin and sk's stdout and
/// stderr, and waits for it. Ctrl-C and Ctrl-\ reach the pager (they go to the whole
/// foreground process group) and do not end `sk` while it runs, as with git.
///
/// # Errors
/// The failure to start it.
pub fn page(pager: &str, input: File) -> io::Result<ExitStatus> {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(pager)
        .envs(environment(|name| std::env::var_os(name).is_some()))
        .stdin(Stdio::from(input));
    let _interrupts = HoldInterrupts::install();
    command.status()
}

/// While alive, Ctrl-C and Ctrl-\ do not end `sk`. Handlers (unlike ignored signals) are
/// reset by `exec`, so the pager gets the default behaviour.
#[derive(Debug)]
struct HoldInterrupts {
    ids: Vec<signal_hook::SigId>,
}

impl HoldInterrupts {
    fn install() -> Self {
        let flag = Arc::new(AtomicBool::new(false));
        let ids = [SIGINT, SIGQUIT]
            .into_iter()
            .filter_map(|signal| signal_hook::flag::register(signal, Arc::clone(&flag)).ok())
            .collect();
        Self { ids }
    }
}

impl Drop for HoldInterrupts {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cat_or_nothing_means_no_pager() {
        assert_eq!(chosen("less\n"), Some("less"));
        assert_eq!(chosen("less -S\n"), Some("less -S"));
        assert_eq!(chosen("cat\n"), None);
        assert_eq!(chosen("\n"), None);
        assert_eq!(chosen(""), None);
        assert_eq!(chosen("cat -v\n"), Some("cat -v"));
    }

    #[test]
    fn gits_defaults_fill_only_what_is_unset() {
        assert_eq!(environment(|_| false), [("LESS", "FRX"), ("LV", "-c")]);
        assert_eq!(environment(|name| name == "LESS"), [("LV", "-c")]);
        assert!(environment(|_| true).is_empty());
    }
}
