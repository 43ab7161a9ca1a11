//! A temporary HOME with its own XDG directories and tmux socket directory.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::tmux::TmuxServers;

/// Variables of the caller's environment that would lead a program out of the temporary
/// home: a surrounding tmux, or a git hook's repository.
const INHERITED: [&str; 5] = [
    "TMUX",
    "TMUX_PANE",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
];

/// A temporary directory holding `home/` (with a `.gitconfig` naming a test user and `main`
/// as the default branch), `xdg-data/`, `xdg-config/`, `xdg-state/`, `xdg-cache/` and
/// `tmux/`. Every tmux server started under it is killed, and the directory removed, on drop.
#[derive(Debug)]
pub struct TempHome {
    // Dropped first: the servers' sockets live in `dir`.
    tmux: TmuxServers,
    dir: tempfile::TempDir,
}

impl TempHome {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("sk-test-")
            .tempdir()
            .unwrap();
        for sub in [
            "home",
            "xdg-data",
            "xdg-config",
            "xdg-state",
            "xdg-cache",
            "tmux",
        ] {
            fs_err::create_dir_all(dir.path().join(sub)).unwrap();
        }
        fs_err::write(
            dir.path().join("home/.gitconfig"),
            "[user]\n\tname = Test User\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n",
        )
        .unwrap();
        Self {
            tmux: TmuxServers::under(dir.path().join("tmux")),
            dir,
        }
    }

    /// The temporary directory itself.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn home(&self) -> PathBuf {
        self.root().join("home")
    }

    /// `XDG_DATA_HOME`.
    pub fn xdg_data(&self) -> PathBuf {
        self.root().join("xdg-data")
    }

    /// `XDG_CONFIG_HOME`.
    pub fn xdg_config(&self) -> PathBuf {
        self.root().join("xdg-config")
    }

    /// `TMUX_TMPDIR`: where the tmux servers of this home put their sockets.
    pub fn tmux_dir(&self) -> &Path {
        self.tmux.dir()
    }

    /// Points `command` at this home: HOME, the XDG directories, `TMUX_TMPDIR`, no system
    /// git configuration, and none of [`INHERITED`].
    pub fn apply(&self, command: &mut Command) {
        for var in INHERITED {
            command.env_remove(var);
        }
        command
            .env("HOME", self.home())
            .env("XDG_DATA_HOME", self.xdg_data())
            .env("XDG_CONFIG_HOME", self.xdg_config())
            .env("XDG_STATE_HOME", self.root().join("xdg-state"))
            .env("XDG_CACHE_HOME", self.root().join("xdg-cache"))
            .env("TMUX_TMPDIR", self.tmux_dir())
            .env("GIT_CONFIG_NOSYSTEM", "1");
    }
}

impl Default for TempHome {
    fn default() -> Self {
        Self::new()
    }
}
