//! The scripts run as scripts: `sh -c <script> sk <args>` on the host, in real git
//! repositories cloned from a real bare origin, with what they print read by the parsers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use skipper_core::{AtRisk, UnpushedBranch, UnpushedRef};
use skipper_git::{Policy, ScriptHost, ScriptOutput, WorkError};

use super::*;

mod clean_proof;

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

    /// The shared scripts as the container runs them, in `dir`.
    fn scripts(&self, dir: &Path) -> Isolated<'_> {
        Isolated {
            repos: self,
            dir: dir.to_path_buf(),
        }
    }

    /// What the dirty gate finds in the workspace, under the container's policy.
    fn at_risk(&self) -> AtRisk {
        skipper_git::gate::at_risk(&self.scripts(&self.work), &Policy::Container).unwrap()
    }

    /// The refs the gate finds at risk in the workspace.
    fn refs_at_risk(&self) -> (Vec<UnpushedBranch>, Vec<UnpushedRef>) {
        let risk = self.at_risk();
        (risk.unpushed, risk.other_refs)
    }
}

/// The shared scripts run with [`Repos`]' environment, as [`crate::ContainerScripts`] runs
/// them in a container.
struct Isolated<'a> {
    repos: &'a Repos,
    dir: PathBuf,
}

impl ScriptHost for Isolated<'_> {
    fn run(&self, script: &str, args: &[String]) -> Result<ScriptOutput, WorkError> {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = self.repos.sh(&self.dir, script, &args);
        Ok(ScriptOutput {
            status: output.status.code().unwrap_or(-1),
            stdout: output.stdout,
            stderr: output.stderr,
        })
    }

    fn outgoing(&self, dest: &Path) -> Result<String, WorkError> {
        Ok(dest.to_str().unwrap().to_owned())
    }

    fn bring_back(&self, _written: &str, _dest: &Path) -> Result<(), WorkError> {
        Ok(())
    }

    fn incoming(&self, file: &Path) -> Result<String, WorkError> {
        Ok(file.to_str().unwrap().to_owned())
    }

    fn forget(&self, _path: &str) {}
}

fn branch(name: &str, commits: usize) -> UnpushedBranch {
    UnpushedBranch {
        branch: name.to_owned(),
        commits,
    }
}

fn nothing() -> (Vec<UnpushedBranch>, Vec<UnpushedRef>) {
    (Vec::new(), Vec::new())
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
    let host_refs = fs_err::read_to_string(repos.work.join(".git/skipper/host-refs")).unwrap();
    assert!(
        host_refs.contains(&format!("{tag} refs/tags/v1\n")),
        "{host_refs}"
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
    assert_eq!(repos.at_risk(), AtRisk::default());
}

#[test]
fn the_hosts_own_unpushed_branch_is_not_at_risk() {
    let repos = Repos::new("main", "", |repos| {
        repos.work_git(&["checkout", "-q", "-b", "host-work"]);
        repos.commit("host.txt", "host");
        repos.work_git(&["checkout", "-q", "main"]);
    });
    assert_eq!(repos.refs_at_risk(), nothing());
    repos.work_git(&["checkout", "-q", "host-work"]);
    repos.commit("host.txt", "more");
    assert_eq!(
        repos.refs_at_risk(),
        (vec![branch("host-work", 1)], Vec::new())
    );
}

#[test]
fn an_unpushed_branch_is_at_risk_until_it_is_pushed() {
    let repos = Repos::new("new", "feat/x", |_| {});
    repos.commit("a.txt", "a");
    repos.commit("a.txt", "b");
    assert_eq!(
        repos.refs_at_risk(),
        (vec![branch("feat/x", 2)], Vec::new())
    );
    repos.work_git(&["push", "-q", "origin", "feat/x"]);
    assert_eq!(repos.refs_at_risk(), nothing());
}

#[test]
fn the_workspaces_stash_is_at_risk_with_its_entries() {
    let repos = Repos::new("main", "", |_| {});
    for change in ["two\n", "three\n"] {
        fs_err::write(repos.work.join("README"), change).unwrap();
        repos.work_git(&["stash", "-q"]);
    }
    assert_eq!(
        repos.refs_at_risk(),
        (Vec::new(), vec![UnpushedRef::Stash { entries: 2 }])
    );
}

#[test]
fn a_detached_head_with_its_own_commits_is_at_risk() {
    let repos = Repos::new("main", "", |_| {});
    repos.work_git(&["checkout", "-q", "--detach"]);
    assert_eq!(repos.refs_at_risk(), nothing());
    repos.commit("d.txt", "detached");
    assert_eq!(
        repos.refs_at_risk(),
        (Vec::new(), vec![UnpushedRef::DetachedHead { commits: 1 }])
    );
}

#[test]
fn a_tag_the_host_lacks_or_that_moved_is_at_risk() {
    let repos = Repos::new("main", "", |_| {});
    repos.work_git(&["tag", "v2"]);
    assert_eq!(
        repos.refs_at_risk(),
        (Vec::new(), vec![UnpushedRef::Tag { name: "v2".into() }])
    );
    repos.commit("a.txt", "a");
    repos.work_git(&["tag", "-f", "v1"]);
    assert_eq!(
        repos.refs_at_risk(),
        (
            vec![branch("main", 1)],
            vec![
                UnpushedRef::Tag { name: "v1".into() },
                UnpushedRef::Tag { name: "v2".into() },
            ]
        )
    );
}

#[test]
fn notes_and_other_refs_the_host_lacks_are_at_risk_but_the_hosts_are_not() {
    let repos = Repos::new("new", "feat/x", |repos| {
        repos.work_git(&["notes", "add", "-m", "the host's note", "HEAD"]);
        repos.work_git(&["update-ref", "refs/host/kept", "HEAD"]);
    });
    assert_eq!(repos.refs_at_risk(), nothing());
    repos.work_git(&["notes", "append", "-m", "a workspace note", "HEAD"]);
    repos.commit("a.txt", "a");
    repos.work_git(&["update-ref", "refs/wip/x\u{2003}y", "HEAD"]);
    repos.work_git(&["checkout", "-q", "-b", "nb\u{a0}sp"]);
    repos.commit("b.txt", "b");
    assert_eq!(
        repos.refs_at_risk(),
        (
            vec![branch("feat/x", 1), branch("nb\u{a0}sp", 2)],
            vec![
                UnpushedRef::Notes {
                    reference: "refs/notes/commits".into()
                },
                UnpushedRef::Other {
                    reference: "refs/wip/x\u{2003}y".into()
                },
            ]
        )
    );
}

/// Makes every kind of work in the workspace: a commit on the branch, a commit on a new
/// branch with an odd name, two stash entries, a lightweight tag on a pushed commit, an
/// annotated tag, a note, a ref of a tool, a staged, a modified, a deleted and an
/// untracked file, an ignored file, and a nested repository with a commit.
fn all_kinds_of_work(repos: &Repos) {
    repos.commit("a.txt", "a");
    repos.work_git(&["branch", "wip\u{2003}x"]);
    fs_err::write(repos.work.join("a.txt"), "stashed one").unwrap();
    repos.work_git(&["stash", "-q"]);
    fs_err::write(repos.work.join("a.txt"), "stashed two").unwrap();
    repos.work_git(&["stash", "push", "-q", "-m", "second"]);
    repos.work_git(&["tag", "v2", "refs/remotes/origin/main"]);
    repos.work_git(&["tag", "-a", "-m", "notes", "v3"]);
    repos.work_git(&["notes", "add", "-m", "a note", "HEAD"]);
    repos.work_git(&["update-ref", "refs/tool/state", "HEAD~1"]);
    fs_err::write(repos.work.join("staged.txt"), "staged").unwrap();
    repos.work_git(&["add", "staged.txt"]);
    fs_err::write(repos.work.join("staged.txt"), "staged, then changed").unwrap();
    fs_err::write(repos.work.join("README"), "modified").unwrap();
    fs_err::write(repos.work.join(".gitignore"), "*.log\n").unwrap();
    fs_err::write(repos.work.join("build.log"), "ignored").unwrap();
    fs_err::create_dir_all(repos.work.join("notes/deep")).unwrap();
    fs_err::write(repos.work.join("notes/deep/idea.txt"), "untracked").unwrap();
    let nested = repos.work.join("nested");
    fs_err::create_dir_all(&nested).unwrap();
    repos.git(&nested, &["init", "-q", "-b", "trunk"]);
    fs_err::write(nested.join("n.txt"), "nested").unwrap();
    repos.git(&nested, &["add", "n.txt"]);
    repos.git(&nested, &["commit", "-q", "-m", "nested work"]);
    fs_err::write(nested.join("n.txt"), "nested, changed").unwrap();
}

/// What a workspace holds, to compare before and after: refs (remote-tracking and
/// skipper's own aside), HEAD, the stash, the status and every file's content.
fn state(repos: &Repos, dir: &Path) -> String {
    let git = |args: &[&str]| repos.git(dir, args);
    let mut files = Vec::new();
    for entry in walk(dir) {
        let relative = entry
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        files.push(format!(
            "{relative}: {}",
            String::from_utf8_lossy(&fs_err::read(&entry).unwrap())
        ));
    }
    files.sort();
    format!(
        "refs:\n{}\nHEAD: {} {}\nstash:\n{}\nstatus:\n{}\nfiles:\n{}\nnested:\n{}\n{}",
        git(&[
            "for-each-ref",
            "--format=%(objectname) %(refname)",
            "--exclude=refs/remotes",
            "--exclude=refs/skipper"
        ]),
        git(&["rev-parse", "HEAD"]),
        git(&["symbolic-ref", "-q", "HEAD"]),
        git(&["stash", "list", "--format=%H %gs"]),
        git(&["status", "--porcelain=v1", "--untracked-files=all"]),
        files.join("\n"),
        repos.git(&dir.join("nested"), &["log", "--format=%H %s", "--all"]),
        repos.git(&dir.join("nested"), &["status", "--porcelain=v1"]),
    )
}

/// The files under `dir`, `.git` directories left out.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs_err::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        if entry.file_name() == ".git" {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[test]
fn a_save_restores_every_kind_of_work_into_a_new_workspace() {
    let repos = Repos::new("new", "feat/x", |_| {});
    all_kinds_of_work(&repos);
    let before = repos.at_risk();
    assert_eq!(before.ignored.paths, ["build.log"]);
    assert_eq!(before.nested.len(), 1, "{before:?}");
    let expected = state(&repos, &repos.work);

    let saves = repos.root.path().join("saved/t3st0001");
    fs_err::create_dir_all(&saves).unwrap();
    let slot = skipper_core::SaveSlot {
        id: skipper_core::SaveId::new("t3st0001").unwrap(),
        dir: saves.clone(),
    };
    let contents = skipper_git::preserve::preserve(
        &repos.scripts(&repos.work),
        &Policy::Container,
        &slot,
        "skipper: saved",
    )
    .unwrap();
    // Saving changed nothing, and left none of its refs behind.
    assert_eq!(state(&repos, &repos.work), expected);
    assert_eq!(repos.work_git(&["for-each-ref", "refs/skipper/saved"]), "");
    assert_eq!(contents.stash.len(), 2);
    assert_eq!(contents.nested.len(), 1);
    assert_eq!(
        (contents.modified, contents.untracked),
        (2, 2),
        "{contents:?}"
    );

    // A new workspace of the branch, made from a host that never had the work.
    let origin = repos.origin.to_str().unwrap().to_owned();
    let again = repos.root.path().join("again");
    repos.git(repos.root.path(), &["clone", "-q", &origin, "again"]);
    let setup = repos.sh(
        &again,
        SETUP,
        &[again.to_str().unwrap(), "new", "main", "feat/x"],
    );
    assert_eq!(setup.status.code(), Some(0), "{setup:?}");
    let saved = skipper_core::SavedWork {
        id: slot.id.clone(),
        repository: skipper_core::RepositoryId::new("local", "o", "n").unwrap(),
        branch: skipper_core::BranchName::new("feat/x").unwrap(),
        sandbox: skipper_core::SandboxKind::Docker,
        saved_at: 0,
        dir: saves.clone(),
        bundle: Some(slot.bundle()).filter(|b| b.exists()),
        size: 0,
        contents,
    };
    skipper_git::restore::restore(&repos.scripts(&again), Some("feat/x"), &saved).unwrap();
    // All but the ignored file, which the gate leaves out by design.
    let expected = expected.replace("build.log: ignored\n", "");
    assert_eq!(state(&repos, &again), expected);
    let after = skipper_git::gate::at_risk(&repos.scripts(&again), &Policy::Container).unwrap();
    assert_eq!(
        after,
        AtRisk {
            ignored: skipper_core::Ignored::default(),
            ..before
        }
    );

    // Restoring again finds everything in place: nothing moves, nothing conflicts.
    skipper_git::restore::restore(&repos.scripts(&again), Some("feat/x"), &saved).unwrap();
    assert_eq!(state(&repos, &again), expected);
}

#[test]
fn a_restore_never_moves_a_branch_that_has_commits_the_save_lacks() {
    let repos = Repos::new("new", "feat/x", |_| {});
    repos.commit("a.txt", "saved");
    repos.work_git(&["branch", "other"]);
    let saves = repos.root.path().join("saved/t3st0002");
    fs_err::create_dir_all(&saves).unwrap();
    let slot = skipper_core::SaveSlot {
        id: skipper_core::SaveId::new("t3st0002").unwrap(),
        dir: saves.clone(),
    };
    let contents = skipper_git::preserve::preserve(
        &repos.scripts(&repos.work),
        &Policy::Container,
        &slot,
        "m",
    )
    .unwrap();
    let saved = skipper_core::SavedWork {
        id: slot.id.clone(),
        repository: skipper_core::RepositoryId::new("local", "o", "n").unwrap(),
        branch: skipper_core::BranchName::new("feat/x").unwrap(),
        sandbox: skipper_core::SandboxKind::Docker,
        saved_at: 0,
        dir: saves,
        bundle: Some(slot.bundle()),
        size: 0,
        contents,
    };
    // The workspace's `other` moved on since, with a commit of its own.
    repos.work_git(&["checkout", "-q", "other"]);
    repos.commit("b.txt", "since");
    let moved = repos.work_git(&["rev-parse", "other"]);
    repos.work_git(&["checkout", "-q", "feat/x"]);
    let err = skipper_git::restore::restore(&repos.scripts(&repos.work), Some("feat/x"), &saved)
        .unwrap_err();
    assert_eq!(err.kind(), skipper_core::ErrorKind::Conflict, "{err}");
    assert!(err.to_string().contains("refs/heads/other"), "{err}");
    assert_eq!(repos.work_git(&["rev-parse", "other"]), moved);
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

/// A PID 1 that cannot be the spawner (here, no `setsid`) says so in its exec directory,
/// so that `sk` waiting for a new container's spawner stops at once, and then only waits.
#[test]
fn a_spawner_without_setsid_leaves_unserved_and_waits() {
    /// Ends the spawner however the test ends: it never ends on its own.
    struct Ended(std::process::Child);
    impl Drop for Ended {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let bin = tempfile::tempdir().unwrap();
    // `tail` alone, and the shell's own builtins: no `setsid`.
    fs_err::os::unix::fs::symlink("/usr/bin/tail", bin.path().join("tail")).unwrap();
    let mut spawner = Ended(
        Command::new("/bin/sh")
            .args(["-c", SPAWNER, dir.path().to_str().unwrap()])
            .env_clear()
            .env("PATH", bin.path())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    // Until the shell has become `tail`, which it does last.
    let comm = format!("/proc/{}/comm", spawner.0.id());
    while fs_err::read_to_string(&comm).unwrap().trim() != "tail" {
        assert!(spawner.0.try_wait().unwrap().is_none(), "the spawner ended");
        std::thread::yield_now();
    }
    assert!(dir.path().join("unserved").exists());
    assert!(!dir.path().join("requests").exists());
}
