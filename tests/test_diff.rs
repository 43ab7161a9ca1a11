//! `sk workspace diff`: everything a workspace changed since it started, as one git diff
//! that `git apply` takes, the same bytes from a worktree and from a container; `--stat` and
//! `--name-only` as git prints them; `--base`; plain when piped, coloured and paged on a
//! terminal; the workspace and the host checkout untouched; a stopped container started; a
//! missing workspace named with those that exist.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use expectrl::process::unix::WaitStatus;

use crate::support::docker::{DockerRepo, docker_ok, docker_ready};
use crate::support::{Origin, TestEnv, stderr};

/// Every kind of change, made the same way in any workspace (on a branch whose default
/// holds `README.md`, `tool.sh` and `gone.txt`): a commit, a file staged then changed, a
/// modified, a deleted and an untracked file, an exec-bit change, a binary file, names with
/// a space and a newline and one that is not UTF-8, a symbolic link, a nested directory,
/// and an ignored file (never in the diff).
const MAKE_WORK: &str = "set -e
exclude=$(git rev-parse --git-path info/exclude)
mkdir -p \"$(dirname \"$exclude\")\" && printf '*.ign\\n' >> \"$exclude\"
printf 'one\\n' > committed.txt && git add committed.txt && git -c user.name=t -c user.email=t@e commit -q -m 'on the branch'
printf 'staged\\n' > staged.txt && git add staged.txt && printf 'staged, then changed\\n' > staged.txt
printf 'modified\\n' >> README.md
rm gone.txt
chmod +x tool.sh
printf 'untracked\\n' > untracked.txt
mkdir -p dir/sub && printf 'deep\\n' > dir/sub/deep.txt
printf '\\000\\001\\002\\003binary\\377\\376\\000' > blob.bin
printf 'spaces and a newline\\n' > 'with space
and newline.txt'
printf 'latin-1\\n' > \"$(printf 'caf\\351.txt')\"
ln -s README.md link
printf lost > build.ign";

/// A workspace's state as git tells it, without git writing anything (no optional locks):
/// the index file's checksum first (read before anything could refresh it), `HEAD`, the
/// stash, the status, the index's entries.
const FINGERPRINT: &str = "export GIT_OPTIONAL_LOCKS=0
cksum < \"$(git rev-parse --git-path index)\"
git rev-parse HEAD; git symbolic-ref -q HEAD || echo detached
git stash list --format='%H'
git status --porcelain=v1 -z --untracked-files=all | od -c
git ls-files -s -z | od -c";

/// The files of the origin's default branch the work changes.
fn prepare(origin: &Origin) {
    let default = origin.default_branch.clone();
    origin.commit(&default, "tool.sh", "echo tool\n", "a tool");
    origin.commit(&default, "gone.txt", "gone\n", "to be deleted");
    origin.push(&[&default]);
}

/// `git` in `dir` as a user would run it piped (hermetic configuration, no `COLUMNS`):
/// its stdout as bytes; panics on failure.
fn git_bytes(dir: &Path, args: &[&str]) -> Vec<u8> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("COLUMNS")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Runs `sk args`, requiring success; its stdout as bytes.
fn sk_bytes(env: &TestEnv, args: &[&str]) -> Vec<u8> {
    let output = env.run(args);
    assert!(
        output.status.success(),
        "sk {args:?} failed with {:?}: {}",
        output.status,
        stderr(&output)
    );
    output.stdout
}

/// `sk workspace diff` of `branch` of `repository` in `sandbox`, with `rest`.
fn diff_args<'a>(sandbox: &'a str, repository: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "workspace",
        "diff",
        "--sandbox",
        sandbox,
        "-r",
        repository,
        "-b",
        "feat/x",
    ];
    args.extend_from_slice(rest);
    args
}

/// `sk workspace run` of shell text in `feat/x` of `repository` in `sandbox`: stdout.
fn sh(env: &TestEnv, sandbox: &str, repository: &str, text: &str) -> String {
    env.ok(&[
        "workspace",
        "run",
        "--sandbox",
        sandbox,
        "-r",
        repository,
        "-b",
        "feat/x",
        "--command",
        text,
    ])
}

/// `command` run once its terminal is 100 columns wide: the PTY's size is set after the
/// process starts, which a fast one would not wait for.
fn sized(command: &Command) -> Command {
    let mut sized = Command::new("sh");
    sized
        .arg("-c")
        .arg("stty cols 100 rows 30 && exec \"$0\" \"$@\"")
        .arg(command.get_program())
        .args(command.get_args())
        .stdin(Stdio::inherit());
    for (name, value) in command.get_envs() {
        match value {
            Some(value) => sized.env(name, value),
            None => sized.env_remove(name),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        sized.current_dir(dir);
    }
    sized
}

/// All a PTY session shows until it ends.
fn everything(session: &mut expectrl::session::OsSession) -> String {
    use expectrl::Expect;
    let shown = session.expect(expectrl::Eof).unwrap();
    String::from_utf8_lossy(shown.as_bytes()).into_owned()
}

/// A file as the tests compare it: a symbolic link's target, or a file's bytes and
/// whether it is executable.
#[derive(Debug, PartialEq, Eq)]
enum Entry {
    Link(PathBuf),
    File { bytes: Vec<u8>, executable: bool },
}

/// Every file under `dir` by its relative path, `.git` and ignored `*.ign` files aside.
fn files(dir: &Path) -> BTreeMap<OsString, Entry> {
    fn walk(root: &Path, dir: &Path, into: &mut BTreeMap<OsString, Entry>) {
        for entry in fs_err::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let name = entry.file_name();
            if name == ".git" || name.to_string_lossy().ends_with(".ign") {
                continue;
            }
            let relative = path.strip_prefix(root).unwrap().as_os_str().to_owned();
            let kind = entry.file_type().unwrap();
            if kind.is_symlink() {
                into.insert(relative, Entry::Link(fs_err::read_link(&path).unwrap()));
            } else if kind.is_dir() {
                walk(root, &path, into);
            } else {
                let mode = fs_err::metadata(&path).unwrap().permissions().mode();
                into.insert(
                    relative,
                    Entry::File {
                        bytes: fs_err::read(&path).unwrap(),
                        executable: mode & 0o111 != 0,
                    },
                );
            }
        }
    }
    let mut all = BTreeMap::new();
    walk(dir, dir, &mut all);
    all
}

/// A fresh clone of `origin` at `commit`, into `dir`.
fn clean_checkout(origin: &Origin, commit: &str, dir: &Path) -> PathBuf {
    git_bytes(
        dir.parent().unwrap(),
        &["clone", "-q", &origin.url, dir.to_str().unwrap()],
    );
    git_bytes(dir, &["checkout", "-q", "--detach", commit]);
    dir.to_owned()
}

/// The host checkout's state: `HEAD`, the index file, the stash, the status.
fn host_state(checkout: &Path) -> Vec<Vec<u8>> {
    let index = fs_err::read(checkout.join(".git/index")).unwrap();
    vec![
        index,
        git_bytes(checkout, &["rev-parse", "HEAD"]),
        git_bytes(checkout, &["stash", "list"]),
        git_bytes(
            checkout,
            &["status", "--porcelain=v1", "-z", "--untracked-files=all"],
        ),
    ]
}

#[test]
fn a_worktrees_diff_applies_at_the_merge_base_and_stat_and_names_are_gits() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    prepare(&origin);
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/x"]);
    sh(&env, "worktree", "api", MAKE_WORK);
    let workspace = env.worktree("api", "feat/x");
    let host = env.checkout("api");
    let before = sh(&env, "worktree", "api", FINGERPRINT);
    let host_before = host_state(&host);

    let patch = sk_bytes(&env, &diff_args("worktree", "api", &[]));
    let stat = sk_bytes(&env, &diff_args("worktree", "api", &["--stat"]));
    let names = sk_bytes(&env, &diff_args("worktree", "api", &["--name-only"]));

    // Nothing changed: not the workspace's index, HEAD or status, nor the host checkout.
    assert_eq!(sh(&env, "worktree", "api", FINGERPRINT), before);
    assert_eq!(host_state(&host), host_before);

    // Applied at the merge base, the diff makes the workspace's files, ignored ones aside.
    let base = String::from_utf8(git_bytes(
        &workspace,
        &["merge-base", "origin/main", "HEAD"],
    ))
    .unwrap();
    let clean = clean_checkout(&origin, base.trim(), &env.root().join("clean"));
    let patch_file = env.root().join("work.patch");
    fs_err::write(&patch_file, &patch).unwrap();
    git_bytes(&clean, &["apply", "--index", patch_file.to_str().unwrap()]);
    assert_eq!(files(&clean), files(&workspace));
    let text = String::from_utf8_lossy(&patch);
    assert!(text.contains("GIT binary patch"), "{text}");
    assert!(text.contains("new file mode 120000"), "{text}");
    assert!(text.contains("old mode 100644\nnew mode 100755"), "{text}");
    assert!(!text.contains("build.ign"), "{text}");

    // --stat and --name-only are what git prints for the same change.
    let base = base.trim();
    assert_eq!(
        String::from_utf8_lossy(&stat),
        String::from_utf8_lossy(&git_bytes(&clean, &["diff", "--cached", "--stat", base]))
    );
    assert_eq!(
        String::from_utf8_lossy(&names),
        String::from_utf8_lossy(&git_bytes(
            &clean,
            &["diff", "--cached", "--name-only", base]
        ))
    );
    let names = String::from_utf8_lossy(&names);
    for name in [
        "committed.txt",
        "staged.txt",
        "untracked.txt",
        "\"with space\\nand newline.txt\"",
        "\"caf\\351.txt\"",
        "link",
        "gone.txt",
        "tool.sh",
    ] {
        assert!(names.lines().any(|line| line == name), "{name} in {names}");
    }
}

#[test]
fn a_base_names_where_the_diff_starts() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    prepare(&origin);
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/x"]);
    sh(&env, "worktree", "api", MAKE_WORK);

    // From HEAD: only what is not committed.
    let names = sk_bytes(
        &env,
        &diff_args("worktree", "api", &["--name-only", "--base", "HEAD"]),
    );
    let names = String::from_utf8_lossy(&names);
    assert!(!names.contains("committed.txt"), "{names}");
    assert!(names.lines().any(|line| line == "staged.txt"), "{names}");

    // A base sharing no commit: the diff starts from the empty tree, and says so.
    sh(
        &env,
        "worktree",
        "api",
        "git tag orphan $(git -c user.name=t -c user.email=t@e commit-tree -m orphan $(git hash-object -t tree /dev/null))",
    );
    let output = env.run(&diff_args(
        "worktree",
        "api",
        &["--name-only", "--base", "orphan"],
    ));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .any(|line| line == "README.md"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    insta::assert_snapshot!(stderr(&output), @"remotes/api (feat/x) shares no commit with `orphan`: the diff starts from the empty tree");

    // A base that names nothing: a clear failure, nothing printed.
    let output = env.run(&diff_args("worktree", "api", &["--base", "no-such-ref"]));
    insta::assert_snapshot!(env.screen(&output), @"
    [exit: 1]
    ----- stderr -----
    error: taking the diff of remotes/api (feat/x) failed: `no-such-ref` names no commit in the workspace
    ");
}

#[test]
fn piped_output_is_plain_and_a_terminal_gets_colour_and_gits_pager() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/x"]);
    let workspace = env.worktree("api", "feat/x");
    fs_err::write(workspace.join("README.md"), "changed\n").unwrap();
    // Git itself would colour even piped output.
    fs_err::write(
        env.home().join(".gitconfig"),
        "[user]\n\tname = Test User\n\temail = t@e\n[color]\n\tui = always\n",
    )
    .unwrap();

    let mut piped = env.sk();
    piped
        .env_remove("NO_COLOR")
        .args(diff_args("worktree", "api", &[]));
    let output = piped.output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        !output.stdout.contains(&0x1b),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("+changed"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );

    // On a terminal: git's colours, through git's pager with git's defaults for less.
    let mut command = env.sk();
    command
        .env_remove("NO_COLOR")
        .env_remove("LESS")
        .env_remove("LV")
        .env(
            "GIT_PAGER",
            "printf 'paged LESS=%s LV=%s\\n' \"$LESS\" \"$LV\"; cat",
        )
        .stdin(Stdio::inherit())
        .args(diff_args("worktree", "api", &[]));
    let mut session = env.pty_command(command);
    let screen = everything(&mut session);
    assert!(screen.contains("paged LESS=FRX LV=-c"), "{screen:?}");
    assert!(screen.contains("\u{1b}[31m-hello\u{1b}[m"), "{screen:?}");
    assert_eq!(
        session.get_process_mut().wait().unwrap(),
        WaitStatus::Exited(session.get_process().pid(), 0)
    );

    // `cat` as the pager is no pager; `NO_COLOR` turns colour off; `--stat` takes the
    // terminal's width (100 columns) as git does.
    let long = format!("{}.txt", "a-long-name".repeat(7));
    fs_err::write(workspace.join(&long), "long\n").unwrap();
    env.git(&workspace, &["add", &long]);
    env.git(&workspace, &["commit", "-q", "-m", "long"]);
    let mut command = env.sk();
    command
        .env("GIT_PAGER", "cat")
        .stdin(Stdio::inherit())
        .args(diff_args("worktree", "api", &["--stat"]));
    let mut session = env.pty_command(sized(&command));
    let screen = everything(&mut session);
    assert!(!screen.contains('\u{1b}'), "{screen:?}");
    let mut git = Command::new("git");
    env.isolate(&mut git);
    git.env("GIT_PAGER", "cat").current_dir(&workspace).args([
        "-c",
        "color.ui=never",
        "diff",
        "--stat",
        "origin/main",
    ]);
    let mut session = env.pty_command(sized(&git));
    let gits = everything(&mut session);
    assert!(screen.contains(&long), "{screen:?}");
    assert_eq!(screen, gits);
}

#[test]
fn a_reader_that_stops_early_is_no_error() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/x"]);
    let big = "a line of a big file\n".repeat(200_000);
    fs_err::write(env.worktree("api", "feat/x").join("big.txt"), big).unwrap();

    let mut child = env
        .sk()
        .args(diff_args("worktree", "api", &[]))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = [0u8; 100];
    child.stdout.take().unwrap().read_exact(&mut head).unwrap();
    // The reader is gone: sk meets a closed pipe.
    let output = child.wait_with_output().unwrap();
    assert!(head.starts_with(b"diff --git a/big.txt b/big.txt\n"));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
}

#[test]
fn a_missing_workspace_is_named_with_those_that_exist() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/y"]);
    let output = env.run(&diff_args("worktree", "api", &[]));
    insta::assert_snapshot!(env.screen(&output), @"
    [exit: 1]
    ----- stderr -----
    error: workspace remotes/api (feat/x) does not exist in the worktree sandbox
      - workspaces of remotes/api: feat/y
      - create it with `sk workspace create --repository remotes/api --branch feat/x`
    ");
}

#[test]
fn the_same_work_gives_the_same_bytes_in_a_container_which_is_started_when_stopped() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::uncloned("diff", "");
    prepare(&repo.origin);
    let name = repo.name.clone();
    repo.ok(&["clone", &repo.origin.url, "--sandbox", "docker"]);
    repo.create("feat/x");
    // The same branch from the same commit in both sandboxes (`create` refuses a second).
    repo.worktree_beside("feat/x");
    let env = &repo.env;
    for sandbox in ["worktree", "docker"] {
        sh(env, sandbox, &name, MAKE_WORK);
    }
    let before = sh(env, "docker", &name, FINGERPRINT);
    let host = env.data_root().join("repos/local/remotes").join(&name);
    let host_before = host_state(&host);

    for rest in [
        &[][..],
        &["--stat"],
        &["--name-only"],
        &["--base", "HEAD~1"],
    ] {
        let worktree = sk_bytes(env, &diff_args("worktree", &name, rest));
        let docker = sk_bytes(env, &diff_args("docker", &name, rest));
        assert!(!docker.is_empty(), "{rest:?}");
        assert_eq!(
            String::from_utf8_lossy(&docker),
            String::from_utf8_lossy(&worktree),
            "{rest:?}"
        );
        assert_eq!(docker, worktree, "{rest:?}");
    }
    assert_eq!(sh(env, "docker", &name, FINGERPRINT), before);
    assert_eq!(host_state(&host), host_before);

    // A stopped container is started to take its diff.
    let container = repo.container(Some("feat/x"));
    let patch = sk_bytes(env, &diff_args("docker", &name, &[]));
    docker_ok(&["stop", "-t", "1", &container]);
    assert_eq!(sk_bytes(env, &diff_args("docker", &name, &[])), patch);
    assert_eq!(
        docker_ok(&["inspect", "--format", "{{.State.Running}}", &container]),
        "true"
    );
}
