//! The tmux servers a test starts, ended when the test ends, however it ends.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Every tmux server whose socket is under a `TMUX_TMPDIR`: killed on drop.
#[derive(Debug)]
pub struct TmuxServers {
    dir: PathBuf,
}

impl TmuxServers {
    /// Servers started with `TMUX_TMPDIR=dir` (any socket name).
    pub fn under(dir: PathBuf) -> Self {
        Self { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The sockets of the servers: `<dir>/tmux-<uid>/<name>`.
    pub fn sockets(&self) -> Vec<PathBuf> {
        let Ok(users) = fs_err::read_dir(&self.dir) else {
            return Vec::new();
        };
        users
            .flatten()
            .filter_map(|user| fs_err::read_dir(user.path()).ok())
            .flat_map(|sockets| sockets.flatten().map(|socket| socket.path()))
            .collect()
    }
}

impl Drop for TmuxServers {
    fn drop(&mut self) {
        for socket in self.sockets() {
            // Absent tmux or a server already gone: nothing to end.
            let _ = Command::new("tmux")
                .arg("-S")
                .arg(&socket)
                .arg("kill-server")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}
