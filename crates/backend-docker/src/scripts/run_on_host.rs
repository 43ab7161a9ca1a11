//! The scripts run as scripts: `sh -c <script> sk <args>` on the host, in real git
//! repositories cloned from a real bare origin, with what they print read by the parsers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use skipper_core::UnpushedBranch;

use super::*;

/// A bare origin and a workspace cloned from it and set up by [`SETUP`], in a temporary
/// directory that is also `HOME`, with an empty global git configuration.
struct Repos {
    root: tempfile::TempDir,
    origin: PathBuf,
    work: PathBuf,
}

impl Repos {
    /// An origin whose `main` holds one commit and the tag `v1`, cloned into `work`, with
    /// `before_setup` run in the clone (the host's own state) before [`SETUP`] in `mode`.
    fn new(mode: &str, branch: &str, before_setup: impl FnOnce(&Self)) -> Self {
        let root = tempfile::tempdir().unwrap();
        let origin = root.path().join("origin.git");
        let work = root.path().join("work");
        fs_err::create_dir_all(root.path().join("home")).unwrap();
        fs_err::write(root.path().join("home/.gitconfig"), "").unwrap();
        let repos = Self { root, origin, work };
        let seed = repos.root.path().join("seed");
        repos.git(repos.root.path(), &["init", "-q", "-b", "main", "seed"]);
        fs_err::write(seed.join("README"), "one\n").unwrap();
        repos.git(&seed, &["add", "README"]);
        repos.git(&seed, &["commit", "-q", "-m", "one"]);
        repos.git(&seed, &["tag", "v1"]);
        let origin = repos.origin.to_str().unwrap();
        repos.git(&seed, &["clone", "-q", "--bare", ".", origin]);
        repos.git(repos.root.path(), &["clone", "-q", origin, "work"]);
        before_setup(&repos);
        let work = repos.work.to_str().unwrap();
        let setup = repos.sh(&repos.work, SETUP, &[work, mode, "main", branch]);
        assert_eq!(setup.status.code(), Some(0), "{setup:?}");
        repos
    }

    fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }

    fn command(&self, program: &str, dir: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("GIT_CONFIG_GLOBAL", self.home().join(".gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("TMPDIR", self.root.path())
            .env("LC_ALL", "C");
        command
    }

    /// Runs git in `dir` with an identity for commits, and returns its trimmed stdout.
    fn git(&self, dir: &Path, args: &[&str]) -> String {
        let output = self
            .command("git", dir)
            .args(["-c", "user.name=t", "-c", "user.email=t@t"])
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success(), "git {args:?}: {output:?}");
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    }

    /// Runs git in the workspace.
    fn work_git(&self, args: &[&str]) -> String {
        self.git(&self.work, args)
    }

    /// Commits a change to `file` in the workspace.
    fn commit(&self, file: &str, message: &str) {
        fs_err::write(self.work.join(file), message).unwrap();
        self.work_git(&["add", file]);
        self.work_git(&["commit", "-q", "-m", message]);
    }

    /// Runs `script` as the container does, with `args` as its positional parameters and
    /// the identity `preserve` gets.
    fn sh(&self, dir: &Path, script: &str, args: &[&str]) -> Output {
        let argv = super::sh(script, args);
        self.command(&argv[0], dir)
            .args(&argv[1..])
            .env("GIT_AUTHOR_NAME", "skipper")
            .env("GIT_AUTHOR_EMAIL", "skipper@localhost")
            .env("GIT_COMMITTER_NAME", "skipper")
            .env("GIT_COMMITTER_EMAIL", "skipper@localhost")
            .output()
            .unwrap()
    }

    /// What [`REFS_AT_RISK`] reports in the workspace.
    fn refs_at_risk(&self) -> Vec<RefAtRisk> {
        let output = self.sh(&self.work, REFS_AT_RISK, &[]);
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        assert_eq!(String::from_utf8_lossy(&output.stderr), "");
        parse_refs_at_risk(&String::from_utf8(output.stdout).unwrap())
    }
}

fn branch(name: &str, commits: usize) -> RefAtRisk {
    RefAtRisk::Branch(UnpushedBranch {
        branch: name.to_owned(),
        commits,
    })
}

#[test]
fn setup_checks_out_a_new_branch_and_records_the_host() {
    let repos = Repos::new("new", "feat/x", |_| {});
    assert_eq!(
        repos.work_git(&["symbolic-ref", "HEAD"]),
        "refs/heads/feat/x"
    );
    let main = repos.work_git(&["rev-parse", "refs/remotes/origin/main"]);
    assert_eq!(repos.work_git(&["rev-parse", "HEAD"]), main);
    assert_eq!(
        repos.work_git(&["rev-parse", "refs/skipper/host/main"]),
        main
    );
    let tag = repos.work_git(&["rev-parse", "refs/tags/v1"]);
    assert_eq!(
        fs_err::read_to_string(repos.work.join(".git/skipper/host-tags")).unwrap(),
        format!("{tag} refs/tags/v1\n")
    );
    assert!(repos.work.join(READY_MARKER).is_file());
}

#[test]
fn setup_links_the_host_configuration_into_home() {
    let repos = Repos::new("main", "", |_| {});
    let mounted = repos.root.path().join("mounted");
    fs_err::create_dir_all(mounted.join("opencode")).unwrap();
    fs_err::write(mounted.join("ssh"), "").unwrap();
    for entry in ["opencode.json", "package.json", ".hidden"] {
        fs_err::write(mounted.join("opencode").join(entry), "{}").unwrap();
    }
    let work = repos.work.to_str().unwrap();
    let ssh = mounted.join("ssh");
    let opencode = mounted.join("opencode");
    let output = repos.sh(
        &repos.work,
        SETUP,
        &[
            work,
            "main",
            "main",
            "",
            "link",
            ssh.to_str().unwrap(),
            ".ssh",
            "entries",
            opencode.to_str().unwrap(),
            ".config/opencode",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let home = repos.home();
    assert_eq!(fs_err::read_link(home.join(".ssh")).unwrap(), ssh);
    let mut linked: Vec<_> = fs_err::read_dir(home.join(".config/opencode"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    linked.sort();
    assert_eq!(linked, [".hidden", "opencode.json"]);
    assert_eq!(
        fs_err::read_link(home.join(".config/opencode/opencode.json")).unwrap(),
        opencode.join("opencode.json")
    );
}

#[test]
fn a_fresh_workspace_has_nothing_at_risk() {
    let repos = Repos::new("main", "", |_| {});
    assert_eq!(repos.refs_at_risk(), []);
}

#[test]
fn the_hosts_own_unpushed_branch_is_not_at_risk() {
    let repos = Repos::new("main", "", |repos| {
        repos.work_git(&["checkout", "-q", "-b", "host-work"]);
        repos.commit("host.txt", "host");
        repos.work_git(&["checkout", "-q", "main"]);
    });
    assert_eq!(repos.refs_at_risk(), []);
    repos.work_git(&["checkout", "-q", "host-work"]);
    repos.commit("host.txt", "more");
    assert_eq!(repos.refs_at_risk(), [branch("host-work", 1)]);
}

#[test]
fn an_unpushed_branch_is_at_risk_until_it_is_pushed() {
    let repos = Repos::new("new", "feat/x", |_| {});
    repos.commit("a.txt", "a");
    repos.commit("a.txt", "b");
    assert_eq!(repos.refs_at_risk(), [branch("feat/x", 2)]);
    repos.work_git(&["push", "-q", "origin", "feat/x"]);
    assert_eq!(repos.refs_at_risk(), []);
}

#[test]
fn the_workspaces_stash_is_at_risk_with_its_entries() {
    let repos = Repos::new("main", "", |_| {});
    for change in ["two\n", "three\n"] {
        fs_err::write(repos.work.join("README"), change).unwrap();
        repos.work_git(&["stash", "-q"]);
    }
    assert_eq!(repos.refs_at_risk(), [RefAtRisk::Stash { entries: 2 }]);
}

#[test]
fn a_detached_head_with_its_own_commits_is_at_risk() {
    let repos = Repos::new("main", "", |_| {});
    repos.work_git(&["checkout", "-q", "--detach"]);
    assert_eq!(repos.refs_at_risk(), []);
    repos.commit("d.txt", "detached");
    assert_eq!(
        repos.refs_at_risk(),
        [RefAtRisk::DetachedHead { commits: 1 }]
    );
}

#[test]
fn a_tag_the_host_lacks_or_that_moved_is_at_risk() {
    let repos = Repos::new("main", "", |_| {});
    repos.work_git(&["tag", "v2"]);
    assert_eq!(repos.refs_at_risk(), [RefAtRisk::Tag { name: "v2".into() }]);
    repos.commit("a.txt", "a");
    repos.work_git(&["tag", "-f", "v1"]);
    assert_eq!(
        repos.refs_at_risk(),
        [
            branch("main", 1),
            RefAtRisk::Tag { name: "v1".into() },
            RefAtRisk::Tag { name: "v2".into() },
        ]
    );
}

#[test]
fn preserve_bundles_the_work_at_risk_for_the_host_to_fetch() {
    let repos = Repos::new("new", "feat/x", |_| {});
    repos.commit("a.txt", "a");
    let feat = repos.work_git(&["rev-parse", "HEAD"]);
    fs_err::write(repos.work.join("a.txt"), "stashed").unwrap();
    repos.work_git(&["stash", "-q"]);
    repos.work_git(&["tag", "v2", "refs/remotes/origin/main"]);
    fs_err::write(repos.work.join("a.txt"), "uncommitted").unwrap();
    fs_err::write(repos.work.join("notes.txt"), "untracked").unwrap();
    let bundle = repos.root.path().join("saved.bundle");
    let output = repos.sh(
        &repos.work,
        PRESERVE,
        &["T", bundle.to_str().unwrap(), "skipper: saved"],
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        parse_preserved(&String::from_utf8(output.stdout).unwrap()),
        [
            "uncommitted and untracked changes, as commit refs/skipper/saved/T",
            "branch feat/x (1 unpushed commit(s))",
            "the stash (1 entr(ies)), as refs/stash and refs/skipper/saved/stash-T/<n>",
            "tag v2 (a lightweight tag on a pushed commit), as a tag object on refs/skipper/saved/tag-T/v2",
        ]
    );
    // The real index is untouched: the changes are still uncommitted.
    assert_eq!(
        repos.work_git(&["status", "--porcelain"]),
        "M a.txt\n?? notes.txt"
    );

    // The host, which has what origin has, fetches it all back.
    let origin = repos.origin.to_str().unwrap();
    repos.git(repos.root.path(), &["clone", "-q", origin, "host"]);
    let host = repos.root.path().join("host");
    let bundle = bundle.to_str().unwrap();
    repos.git(&host, &["bundle", "verify", "-q", bundle]);
    repos.git(&host, &["fetch", "-q", bundle, "refs/*:refs/sk-restored/*"]);
    let restored = |rev: &str| repos.git(&host, &["show", rev]);
    assert_eq!(
        restored("refs/sk-restored/skipper/saved/T:notes.txt"),
        "untracked"
    );
    assert_eq!(
        restored("refs/sk-restored/skipper/saved/T:a.txt"),
        "uncommitted"
    );
    assert_eq!(
        repos.git(&host, &["rev-parse", "refs/sk-restored/heads/feat/x"]),
        feat
    );
    assert_eq!(restored("refs/sk-restored/stash:a.txt"), "stashed");
    assert_eq!(
        repos.git(
            &host,
            &[
                "rev-parse",
                "refs/sk-restored/skipper/saved/tag-T/v2^{commit}"
            ]
        ),
        repos.work_git(&["rev-parse", "refs/remotes/origin/main"])
    );
}

#[test]
fn preserve_refuses_when_nothing_is_at_risk() {
    let repos = Repos::new("main", "", |_| {});
    let bundle = repos.root.path().join("saved.bundle");
    let output = repos.sh(&repos.work, PRESERVE, &["T", bundle.to_str().unwrap(), "m"]);
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "nothing to save\n");
    assert!(output.stdout.is_empty());
    assert!(!bundle.exists());
}

/// Runs `script` with `args` in a temporary directory, on a clean environment.
fn run(script: &str, args: &[&str], path: Option<&Path>) -> Output {
    let argv = super::sh(script, args);
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(&argv[0]);
    command
        .args(&argv[1..])
        .current_dir(dir.path())
        .env_clear()
        .env(
            "PATH",
            path.map_or_else(|| std::env::var_os("PATH").unwrap_or_default(), Into::into),
        );
    command.output().unwrap()
}

#[test]
fn program_exists_says_yes_for_sh_and_no_for_a_missing_program() {
    assert_eq!(run(PROGRAM_EXISTS, &["sh"], None).status.code(), Some(0));
    let missing = run(PROGRAM_EXISTS, &["sk-no-such-program"], None);
    // The status is the shell's (127 in dash, 1 in busybox): the caller asks for non-zero.
    assert!(!missing.status.success(), "{missing:?}");
    assert!(missing.stdout.is_empty() && missing.stderr.is_empty());
}

#[test]
fn the_terminal_wrapper_runs_the_words_or_exits_127_silently() {
    let ran = run(EXEC_PROGRAM, &["printf", "%s|", "a b", "$(x)"], None);
    assert_eq!(ran.status.code(), Some(0));
    assert_eq!(ran.stdout, b"a b|$(x)|");
    let missing = run(EXEC_PROGRAM, &["sk-no-such-program", "x"], None);
    assert_eq!(missing.status.code(), Some(127));
    assert!(missing.stdout.is_empty() && missing.stderr.is_empty());
}

#[test]
fn the_streaming_wrapper_records_the_pid_the_command_keeps() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let pidfile = pidfile.to_str().unwrap();
    // `sh` is the first argument, so `sk` stands for `$0`: use the argv as exec builds it.
    let argv = crate::exec::wrap_with_pidfile(
        pidfile,
        &["sh".into(), "-c".into(), "echo $$; exit 7".into()],
    );
    let output = Command::new(&argv[0]).args(&argv[1..]).output().unwrap();
    assert_eq!(output.status.code(), Some(7));
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        fs_err::read_to_string(pidfile).unwrap()
    );
    let argv = crate::exec::wrap_with_pidfile(pidfile, &["sk-no-such-program".into()]);
    let missing = Command::new(&argv[0]).args(&argv[1..]).output().unwrap();
    assert_eq!(missing.status.code(), Some(127));
    assert!(missing.stdout.is_empty() && missing.stderr.is_empty());
}

#[test]
fn signalling_reaches_the_recorded_process_group_and_tolerates_a_missing_one() {
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let mut child = Command::new("sleep")
        .arg("600")
        .process_group(0)
        .spawn()
        .unwrap();
    fs_err::write(&pidfile, format!("{}\n", child.id())).unwrap();
    let pidfile = pidfile.to_str().unwrap();
    let argv = ["sh", "-c", SIGNAL_PROCESS_GROUP, pidfile, "TERM"];
    let sent = Command::new(argv[0]).args(&argv[1..]).output().unwrap();
    assert_eq!(sent.status.code(), Some(0), "{sent:?}");
    assert_eq!(child.wait().unwrap().signal(), Some(15));
    let missing = dir.path().join("none");
    let argv = [
        "sh",
        "-c",
        SIGNAL_PROCESS_GROUP,
        missing.to_str().unwrap(),
        "INT",
    ];
    let none = Command::new(argv[0]).args(&argv[1..]).output().unwrap();
    assert_eq!(none.status.code(), Some(0));
    assert!(none.stdout.is_empty() && none.stderr.is_empty());
}

#[test]
fn the_interactive_shell_is_bash_when_there_is_one_else_sh() {
    let shell = |path: Option<&Path>| {
        let mut command = Command::new("sh");
        command
            .args(["-c", INTERACTIVE_SHELL])
            .env_clear()
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped());
        if let Some(path) = path {
            command.env("PATH", path);
        } else {
            command.env("PATH", std::env::var_os("PATH").unwrap_or_default());
        }
        let mut child = command.spawn().unwrap();
        std::io::Write::write_all(
            &mut child.stdin.take().unwrap(),
            b"if [ -n \"${BASH_VERSION-}\" ]; then echo bash; else echo sh; fi\n",
        )
        .unwrap();
        String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap()
    };
    assert_eq!(shell(None), "bash\n");
    let bin = tempfile::tempdir().unwrap();
    fs_err::os::unix::fs::symlink("/bin/sh", bin.path().join("sh")).unwrap();
    assert_eq!(shell(Some(bin.path())), "sh\n");
}
