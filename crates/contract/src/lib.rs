//! The contract every sandbox backend of skipper is held to: one set of behaviour tests,
//! written once against the core's [`Sandbox`] and [`WorkspaceRegistry`] ports (with the
//! [`HostCheckouts`] port for the setup), and run against each adapter with real git, tmux
//! and Docker. Two backends stay one product because the same cases pass on both.
//!
//! Outside the hexagon, like `skipper-testkit`: it knows the ports and the git plumbing, and
//! no backend. Each backend's test file builds its adapter and hands it to
//! [`contract_tests!`], which makes one `#[test]` per case of this crate.
//!
//! # How a new backend plugs in
//!
//! Add `crates/contract/tests/<backend>.rs` with a function that returns
//! `Option<Harness>` (`None` when the backend cannot run on this machine, after saying
//! why), built from a [`Scene`] (a temporary home, a data root and a real bare origin) and
//! the adapter as `Arc<dyn Sandbox>` and `Arc<dyn WorkspaceRegistry>`, with whatever guard
//! must outlive it ([`Harness::keep`]); then invoke `contract_tests!(that_function)`. A case
//! the backend fails is a finding: fix the adapter, or mark the case with
//! `contract_tests!(f, ignore { case: "why, and where the fix belongs" })` until it is.

// A test suite: a failed step is a failed case (it panics, with the reason), and what its
// helpers return is always looked at by the case that asked.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::missing_panics_doc,
    clippy::must_use_candidate,
    clippy::return_self_not_must_use
)]

use std::any::Any;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use skipper_core::{
    AtRisk, BranchName, BranchStart, CarriedContent, CarriedFile, CarriedPath, Checkout,
    CloneOutcome, CommandLine, CreateRequest, DetachOutcome, DiffFormat, DiffRequest, Environment,
    ErrorKind, ExecIo, HostCheckouts, PipedIo, RemoteUrl, RepositoryId, Sandbox, SandboxError,
    SandboxKind, SkipReason, SkippedFile, StopOutcome, UnpushedBranch, UnpushedRef, Workspace,
    WorkspaceLocation, WorkspaceRef, WorkspaceRegistry, WorkspaceTarget,
};
use skipper_testkit::{Origin, TempHome, git};

mod property;
mod saving;
pub use property::*;
pub use saving::*;

/// The origin's default branch: a name with `/` on purpose.
pub const DEFAULT_BRANCH: &str = "release/v1";

/// A branch that exists only on the origin, for [`BranchStart::TrackRemote`].
pub const REMOTE_BRANCH: &str = "feat/remote";

/// The branch most cases make a workspace of: new, from the default branch.
pub const BRANCH: &str = "feat/contract";

/// A program that exists nowhere.
pub const MISSING_PROGRAM: &str = "sk-contract-no-such-program";

/// Git with an identity, for commits made inside a workspace (the sandbox's own git
/// configuration is not the test's to rely on).
const GIT: &str = "git -c user.name=Contract -c user.email=contract@example.com";

/// A temporary home and data root, and a real bare origin whose default branch is
/// [`DEFAULT_BRANCH`] (two commits) with [`REMOTE_BRANCH`] pushed beside it. The origin's
/// path is unique to the test, so its repository identity (and every label made from it)
/// is too.
#[derive(Debug)]
pub struct Scene {
    origin: Origin,
    remote: RemoteUrl,
    home: TempHome,
}

impl Scene {
    /// A scene for one test; `prefix` names it in paths.
    pub fn new(prefix: &str) -> Self {
        let home = TempHome::new();
        let owner = skipper_testkit::unique_name(prefix);
        let dir = home.root().join("origins").join(owner);
        let origin = Origin::new(dir.join("api.git"), dir.join("seed"), DEFAULT_BRANCH);
        origin.commit(DEFAULT_BRANCH, "README.md", "version 1\n", "first");
        origin.commit(DEFAULT_BRANCH, "README.md", "version 2\n", "second");
        origin.push(&[DEFAULT_BRANCH]);
        origin.push_commit(REMOTE_BRANCH, "remote.txt", "remote\n");
        origin.checkout(DEFAULT_BRANCH);
        let remote = RemoteUrl::parse(&origin.url).expect("a file:// remote");
        Self {
            origin,
            remote,
            home,
        }
    }

    /// The temporary home.
    pub fn home(&self) -> &TempHome {
        &self.home
    }

    /// The data root the adapters are to use.
    pub fn data_root(&self) -> PathBuf {
        self.home.root().join("data")
    }

    /// The origin.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The repository the origin is.
    pub fn repository(&self) -> &RepositoryId {
        self.remote.repository()
    }
}

/// One backend under test: its adapters, the host checkout cloned from the scene's origin,
/// and the remote's default branch as the checkouts port resolved it.
///
/// Fields drop in order: the adapters first, then the guards, then the scene.
pub struct Harness {
    checkouts: Arc<dyn HostCheckouts>,
    sandbox: Arc<dyn Sandbox>,
    registry: Arc<dyn WorkspaceRegistry>,
    checkout: Checkout,
    default_branch: BranchName,
    guards: Vec<Box<dyn Any>>,
    scene: Scene,
}

impl std::fmt::Debug for Harness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness")
            .field("sandbox", &self.sandbox)
            .field("checkout", &self.checkout)
            .finish_non_exhaustive()
    }
}

/// What a command run through [`Sandbox::execute`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    /// Its exit status.
    pub status: i32,
    /// Its stdout.
    pub stdout: String,
    /// Its stderr.
    pub stderr: String,
}

impl Harness {
    /// Clones the scene's origin with `checkouts` (a `file://` remote) and refreshes it.
    pub fn new(
        scene: Scene,
        checkouts: Arc<dyn HostCheckouts>,
        sandbox: Arc<dyn Sandbox>,
        registry: Arc<dyn WorkspaceRegistry>,
    ) -> Self {
        let checkout = match checkouts.clone_remote(&scene.remote) {
            Ok(CloneOutcome::Cloned(checkout)) => checkout,
            other => panic!(
                "cloning {} did not make a checkout: {other:?}",
                scene.remote
            ),
        };
        let default_branch = checkouts
            .refresh(&checkout)
            .expect("refreshing the fresh checkout")
            .default_branch;
        assert_eq!(default_branch.as_str(), DEFAULT_BRANCH);
        Self {
            checkouts,
            sandbox,
            registry,
            checkout,
            default_branch,
            guards: Vec::new(),
            scene,
        }
    }

    /// Keeps `guard` until the harness drops, after the adapters.
    #[must_use]
    pub fn keep(mut self, guard: impl Any) -> Self {
        self.guards.push(Box::new(guard));
        self
    }

    /// The host checkouts port.
    pub fn checkouts(&self) -> &dyn HostCheckouts {
        &*self.checkouts
    }

    /// The sandbox under test.
    pub fn sandbox(&self) -> &dyn Sandbox {
        &*self.sandbox
    }

    /// The registry under test.
    pub fn registry(&self) -> &dyn WorkspaceRegistry {
        &*self.registry
    }

    /// The host checkout of the scene's origin.
    pub fn checkout(&self) -> &Checkout {
        &self.checkout
    }

    /// The remote's default branch.
    pub fn default_branch(&self) -> &BranchName {
        &self.default_branch
    }

    /// The scene.
    pub fn scene(&self) -> &Scene {
        &self.scene
    }

    /// The reference of the workspace for `target`.
    pub fn reference(&self, target: WorkspaceTarget) -> WorkspaceRef {
        WorkspaceRef {
            repository: self.checkout.repository.clone(),
            target,
        }
    }

    /// The reference of the main workspace.
    pub fn main_reference(&self) -> WorkspaceRef {
        self.reference(WorkspaceTarget::Main)
    }

    /// The reference of `branch`'s workspace.
    pub fn branch_reference(&self, branch: &str) -> WorkspaceRef {
        self.reference(WorkspaceTarget::Branch(branch_name(branch)))
    }

    /// Creates the workspace of `branch`, requiring success.
    pub fn create(&self, branch: &str, start: BranchStart) -> Workspace {
        self.create_with_ports(branch, start, &[])
    }

    /// Creates the workspace of `branch` given `ports`, requiring success.
    pub fn create_with_ports(&self, branch: &str, start: BranchStart, ports: &[u16]) -> Workspace {
        let request = CreateRequest {
            checkout: self.checkout.clone(),
            branch: branch_name(branch),
            start,
            default_branch: self.default_branch.clone(),
            ports: ports.to_vec(),
            network: skipper_core::NetworkSettings::default(),
        };
        self.sandbox
            .create(&request)
            .unwrap_or_else(|err| panic!("creating {branch}: {}", chain(&err)))
    }

    /// Prepares the main workspace, requiring success.
    pub fn prepare_main(&self) -> Workspace {
        self.sandbox
            .prepare_main(&self.checkout, &self.default_branch, &[])
            .unwrap_or_else(|err| panic!("preparing main: {}", chain(&err)))
    }

    /// Locates the workspace of `target`, requiring the lookup to succeed.
    pub fn locate(&self, target: &WorkspaceTarget) -> Option<Workspace> {
        self.registry
            .locate(&self.checkout, target)
            .unwrap_or_else(|err| panic!("locating {target}: {}", chain(&err)))
    }

    /// The references and kinds the registry lists for the checkout, in its order.
    pub fn listed(&self) -> Vec<(WorkspaceRef, SandboxKind)> {
        self.registry
            .list(std::slice::from_ref(&self.checkout))
            .unwrap_or_else(|err| panic!("listing: {}", chain(&err)))
            .into_iter()
            .map(|workspace| (workspace.reference, workspace.sandbox))
            .collect()
    }

    /// Runs `command` in `workspace` through [`ExecIo::Piped`], with `stdin` (or an empty
    /// stdin), capturing stdout and stderr apart.
    ///
    /// # Errors
    /// What [`Sandbox::execute`] returns.
    pub fn run(
        &self,
        workspace: &Workspace,
        command: &CommandLine,
        stdin: Option<&[u8]>,
    ) -> Result<Ran, SandboxError> {
        self.run_with(workspace, command, &Environment::new(), stdin)
    }

    /// [`Harness::run`] with `env` added to the command's environment.
    ///
    /// # Errors
    /// What [`Sandbox::execute`] returns.
    pub fn run_with(
        &self,
        workspace: &Workspace,
        command: &CommandLine,
        env: &Environment,
        stdin: Option<&[u8]>,
    ) -> Result<Ran, SandboxError> {
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        let stdin = stdin
            .map(|bytes| Box::new(std::io::Cursor::new(bytes.to_vec())) as Box<dyn Read + Send>);
        let status = self.sandbox.execute(
            workspace,
            command,
            env,
            ExecIo::Piped(PipedIo {
                stdin,
                stdout: &mut stdout,
                stderr: &mut stderr,
                interrupts: None,
            }),
        )?;
        Ok(Ran {
            status: status.0,
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        })
    }

    /// Runs shell text in `workspace`, requiring exit status 0; returns its trimmed stdout.
    pub fn sh(&self, workspace: &Workspace, script: &str) -> String {
        let ran = self
            .run(workspace, &CommandLine::Shell(script.to_owned()), None)
            .unwrap_or_else(|err| panic!("`{script}`: {}", chain(&err)));
        assert_eq!(ran.status, 0, "`{script}` failed: {ran:?}");
        ran.stdout.trim().to_owned()
    }

    /// What the sandbox finds at risk in `workspace`, requiring it could look.
    pub fn at_risk(&self, workspace: &Workspace) -> AtRisk {
        self.sandbox
            .at_risk(workspace)
            .unwrap_or_else(|err| panic!("checking {}: {}", workspace.reference, chain(&err)))
    }

    /// Commits `file` with `content` on the origin's `branch` after the host checkout was
    /// cloned, then refreshes the checkout as the use cases do before creating; returns the
    /// commit id.
    pub fn push_to_origin(&self, branch: &str, file: &str, content: &str) -> String {
        let id = self.scene.origin.push_commit(branch, file, content);
        self.scene.origin.checkout(DEFAULT_BRANCH);
        self.checkouts
            .refresh(&self.checkout)
            .expect("refreshing after a push");
        id
    }
}

/// `name` as a branch name.
pub fn branch_name(name: &str) -> BranchName {
    BranchName::new(name).expect("a valid branch name")
}

/// An argument vector.
pub fn argv(args: &[&str]) -> CommandLine {
    CommandLine::Argv(args.iter().map(|&arg| arg.to_owned()).collect())
}

/// An error and its sources, for panic messages.
pub fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn sorted(mut paths: Vec<String>) -> Vec<String> {
    paths.sort();
    paths
}

// ---------------------------------------------------------------------------------------
// The cases. Each takes a fresh harness and asserts exact values.
// ---------------------------------------------------------------------------------------

/// A created workspace is found by `locate` with the same reference, sandbox kind and
/// location.
pub fn create_then_locate_finds_it(h: &Harness) {
    assert_eq!(h.registry().kind(), h.sandbox().kind());
    let created = h.create(BRANCH, BranchStart::NewFromDefault);
    assert_eq!(created.reference, h.branch_reference(BRANCH));
    assert_eq!(created.sandbox, h.sandbox().kind());

    let found = h
        .locate(&WorkspaceTarget::Branch(branch_name(BRANCH)))
        .expect("the created workspace is located");
    assert_eq!(found.reference, h.branch_reference(BRANCH));
    assert_eq!(found.sandbox, h.sandbox().kind());
    assert_eq!(found.location, created.location);
}

/// The ports a workspace is given at creation come back from `create`, `locate`, `list`
/// and `ports_in_use`; a workspace given none has none.
pub fn ports_given_at_creation_are_remembered(h: &Harness) {
    h.prepare_main();
    let ports = free_ports(2);
    let created = h.create_with_ports(BRANCH, BranchStart::NewFromDefault, &ports);
    assert_eq!(created.ports, ports);
    let target = WorkspaceTarget::Branch(branch_name(BRANCH));
    assert_eq!(h.locate(&target).expect("located").ports, ports);
    let listed = h
        .registry
        .list(std::slice::from_ref(&h.checkout))
        .unwrap_or_else(|err| panic!("listing: {}", chain(&err)));
    let branch = listed
        .iter()
        .find(|workspace| workspace.reference.target == target)
        .expect("listed");
    assert_eq!(branch.ports, ports);
    let in_use = h
        .registry
        .ports_in_use()
        .unwrap_or_else(|err| panic!("ports in use: {}", chain(&err)));
    assert!(ports.iter().all(|port| in_use.contains(port)), "{in_use:?}");

    let other = h.create("contract/no-ports", BranchStart::NewFromDefault);
    assert!(other.ports.is_empty());
    let found = h.locate(&other.reference.target).expect("located");
    assert!(found.ports.is_empty(), "{:?}", found.ports);
}

/// `count` ports the host's loopback has free now (the system's choice).
fn free_ports(count: usize) -> Vec<u16> {
    let listeners: Vec<std::net::TcpListener> = (0..count)
        .map(|_| std::net::TcpListener::bind(("127.0.0.1", 0)).expect("a free port"))
        .collect();
    listeners
        .iter()
        .map(|listener| listener.local_addr().expect("its address").port())
        .collect()
}

/// `list` shows the main workspace first, then the branch workspace.
pub fn list_shows_main_first_then_the_branch(h: &Harness) {
    h.prepare_main();
    h.create(BRANCH, BranchStart::NewFromDefault);
    let kind = h.sandbox().kind();
    assert_eq!(
        h.listed(),
        vec![
            (h.main_reference(), kind),
            (h.branch_reference(BRANCH), kind)
        ]
    );
}

/// `locate` of a branch that has no workspace is `None`, not an error.
pub fn locate_of_a_missing_branch_is_none(h: &Harness) {
    h.prepare_main();
    assert_eq!(
        h.locate(&WorkspaceTarget::Branch(branch_name("never/made"))),
        None
    );
}

/// `prepare_main` twice returns the same main workspace, on the default branch, and
/// `list` shows it once.
pub fn prepare_main_is_idempotent(h: &Harness) {
    let first = h.prepare_main();
    let second = h.prepare_main();
    assert_eq!(first.reference, h.main_reference());
    assert_eq!(first.sandbox, h.sandbox().kind());
    assert_eq!(second.reference, first.reference);
    assert_eq!(second.location, first.location);
    assert_eq!(h.listed(), vec![(h.main_reference(), h.sandbox().kind())]);
    assert_eq!(
        h.sh(&second, "git rev-parse --abbrev-ref HEAD"),
        DEFAULT_BRANCH
    );
}

/// `execute` returns the command's own exit status, for argument vectors and shell text.
pub fn execute_returns_the_exit_code(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    let status = |command: CommandLine| h.run(&ws, &command, None).unwrap().status;
    assert_eq!(status(argv(&["true"])), 0);
    assert_eq!(status(argv(&["sh", "-c", "exit 3"])), 3);
    assert_eq!(status(CommandLine::Shell("exit 3".to_owned())), 3);
    assert_eq!(status(CommandLine::Shell("exit 0".to_owned())), 0);
}

/// stdout and stderr reach their own writers, byte for byte.
pub fn execute_keeps_stdout_and_stderr_apart(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    let ran = h
        .run(
            &ws,
            &CommandLine::Shell("printf 'to out\\n'; printf 'to err\\n' >&2; printf more".into()),
            None,
        )
        .unwrap();
    assert_eq!(
        ran,
        Ran {
            status: 0,
            stdout: "to out\nmore".to_owned(),
            stderr: "to err\n".to_owned(),
        }
    );
}

/// stdin reaches the command and so does its end (`wc -c` returns); no stdin is an empty
/// one.
pub fn execute_delivers_stdin_and_its_end(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    let echoed = h
        .run(&ws, &argv(&["cat"]), Some(b"hello\nworld\n"))
        .unwrap();
    assert_eq!(
        echoed,
        Ran {
            status: 0,
            stdout: "hello\nworld\n".to_owned(),
            stderr: String::new(),
        }
    );
    // `timeout` turns a missing end of file into status 124 instead of a hung test.
    let counted = h
        .run(&ws, &argv(&["timeout", "30", "wc", "-c"]), Some(b"12345"))
        .unwrap();
    assert_eq!((counted.status, counted.stdout.trim()), (0, "5"));
    let empty = h
        .run(&ws, &argv(&["timeout", "30", "wc", "-c"]), None)
        .unwrap();
    assert_eq!((empty.status, empty.stdout.trim()), (0, "0"));
}

/// An argument vector whose program does not exist is [`SandboxError::ProgramNotFound`].
pub fn execute_of_a_missing_program_is_program_not_found(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    match h.run(&ws, &argv(&[MISSING_PROGRAM, "--flag"]), None) {
        Err(SandboxError::ProgramNotFound { program }) => assert_eq!(program, MISSING_PROGRAM),
        Err(other) => panic!(
            "expected ProgramNotFound, got {other:?} ({})",
            chain(&other)
        ),
        Ok(ran) => panic!("expected ProgramNotFound, got {ran:?}"),
    }
}

/// Shell text whose shell exits 127 (command not found) is a status, not an error.
pub fn execute_of_shell_text_exiting_127_is_a_status(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    let ran = h
        .run(&ws, &CommandLine::Shell(MISSING_PROGRAM.to_owned()), None)
        .unwrap_or_else(|err| panic!("expected status 127, got {err:?}"));
    assert_eq!(ran.status, 127);
    assert_eq!(ran.stdout, "");
}

/// The environment given reaches the command, values as they are (spaces, `=`, quotes,
/// an empty one), for argument vectors and shell text alike, over a variable of the same
/// name the sandbox would pass on; nothing of it stays for the next command.
pub fn execute_adds_the_environment_given(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    let env: Environment = [
        ("SK_BRANCH", BRANCH),
        ("SK_PORTS", "4000 4001"),
        ("ODD", "a=b 'c' \"d\" $HOME"),
        ("EMPTY", ""),
        ("HOME", "/given/home"),
    ]
    .into_iter()
    .collect();
    let printed = |command: CommandLine, env: &Environment| {
        let ran = h.run_with(&ws, &command, env, None).unwrap();
        assert_eq!(ran.status, 0, "{ran:?}");
        ran.stdout
    };
    let script = "printf '%s|%s|%s|%s|%s' \"$SK_BRANCH\" \"$SK_PORTS\" \"$ODD\" \"${EMPTY-unset}\" \"$HOME\"";
    let expected = format!("{BRANCH}|4000 4001|a=b 'c' \"d\" $HOME||/given/home");
    assert_eq!(
        printed(CommandLine::Shell(script.to_owned()), &env),
        expected
    );
    assert_eq!(printed(argv(&["sh", "-c", script]), &env), expected);
    assert_eq!(
        printed(
            CommandLine::Shell("printf '%s' \"${SK_PORTS-unset}\"".to_owned()),
            &Environment::new()
        ),
        "unset"
    );
}

/// An empty argument vector is [`ErrorKind::InvalidInput`].
pub fn execute_of_an_empty_argv_is_invalid_input(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    let err = h
        .run(&ws, &CommandLine::Argv(Vec::new()), None)
        .expect_err("an empty command is refused");
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err:?}");
}

/// A command runs at the top of the repository, on the workspace's branch.
pub fn execute_runs_in_the_repository_on_the_branch(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    assert_eq!(h.sh(&ws, "git rev-parse --abbrev-ref HEAD"), BRANCH);
    assert_eq!(h.sh(&ws, "git rev-parse --show-prefix"), "");
    let pwd = h.sh(&ws, "pwd -P");
    assert_eq!(h.sh(&ws, "git rev-parse --show-toplevel"), pwd);
    let expected = match &ws.location {
        WorkspaceLocation::Host(path) => fs_err::canonicalize(path)
            .unwrap()
            .to_string_lossy()
            .into_owned(),
        WorkspaceLocation::Container { path, .. } => path.clone(),
    };
    assert_eq!(pwd, expected);
    assert_eq!(h.sh(&ws, "cat README.md"), "version 2");
}

/// A fresh workspace holds nothing at risk.
pub fn at_risk_is_empty_on_a_fresh_workspace(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    assert_eq!(h.at_risk(&ws), AtRisk::default());
}

/// A modified tracked file is at risk, by its path.
pub fn at_risk_names_a_modified_file(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    h.sh(&ws, "printf 'changed\\n' > README.md");
    assert_eq!(
        h.at_risk(&ws),
        AtRisk {
            modified: vec!["README.md".to_owned()],
            ..AtRisk::default()
        }
    );
}

/// Untracked files are at risk one by one, those in a new directory included
/// (`--untracked-files=all`).
pub fn at_risk_names_each_untracked_file(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    h.sh(
        &ws,
        "mkdir -p notes/deep && printf a > notes/a.txt && printf b > notes/deep/b.txt && printf c > top.txt",
    );
    let found = h.at_risk(&ws);
    assert_eq!(
        AtRisk {
            untracked: sorted(found.untracked.clone()),
            ..found
        },
        AtRisk {
            untracked: vec![
                "notes/a.txt".to_owned(),
                "notes/deep/b.txt".to_owned(),
                "top.txt".to_owned()
            ],
            ..AtRisk::default()
        }
    );
}

/// A commit on the workspace's branch that no remote branch has is at risk.
pub fn at_risk_names_an_unpushed_commit(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    h.sh(
        &ws,
        &format!("printf new > new.txt && git add new.txt && {GIT} commit -q -m unpushed"),
    );
    assert_eq!(
        h.at_risk(&ws),
        AtRisk {
            unpushed: vec![UnpushedBranch {
                branch: BRANCH.to_owned(),
                commits: 1,
            }],
            ..AtRisk::default()
        }
    );
}

/// A stash entry is at risk where it goes with the workspace.
///
/// Each backend answers as removal would leave it: a container's stash is its own and goes
/// with it, so the Docker sandbox reports [`UnpushedRef::Stash`]; a worktree's stash is the
/// host checkout's (`refs/stash` lives in the repository every worktree shares), so it
/// survives removing the worktree and the worktree sandbox reports nothing at risk, and
/// the entry is still in the host checkout after a `destroy` without `force`.
pub fn at_risk_names_a_stash_entry(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    h.sh(
        &ws,
        &format!("printf stashed > README.md && {GIT} stash push -q -m contract"),
    );
    assert_eq!(h.sh(&ws, "git status --porcelain"), "");
    match h.sandbox().kind() {
        SandboxKind::Docker => assert_eq!(
            h.at_risk(&ws),
            AtRisk {
                other_refs: vec![UnpushedRef::Stash { entries: 1 }],
                ..AtRisk::default()
            }
        ),
        SandboxKind::Worktree => {
            assert_eq!(h.at_risk(&ws), AtRisk::default());
            h.sandbox()
                .destroy(&ws, false)
                .unwrap_or_else(|err| panic!("destroying: {}", chain(&err)));
            let stash = git(&h.checkout().path, &["stash", "list", "--format=%s"]);
            assert!(stash.ends_with("contract"), "{stash}");
        }
    }
}

/// A detached `HEAD` with a commit on no branch is at risk.
pub fn at_risk_names_a_detached_head_with_a_commit(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    h.sh(
        &ws,
        &format!("git checkout -q --detach && {GIT} commit -q --allow-empty -m detached"),
    );
    assert_eq!(
        h.at_risk(&ws),
        AtRisk {
            other_refs: vec![UnpushedRef::DetachedHead { commits: 1 }],
            ..AtRisk::default()
        }
    );
}

/// `destroy` of a clean workspace removes it: `locate` no longer finds it and `list` no
/// longer shows it.
pub fn destroy_removes_the_workspace(h: &Harness) {
    h.prepare_main();
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    h.sandbox()
        .destroy(&ws, false)
        .unwrap_or_else(|err| panic!("destroying: {}", chain(&err)));
    assert_eq!(
        h.locate(&WorkspaceTarget::Branch(branch_name(BRANCH))),
        None
    );
    assert_eq!(h.listed(), vec![(h.main_reference(), h.sandbox().kind())]);
}

/// `destroy` of a workspace already gone is [`ErrorKind::NotFound`].
pub fn destroy_of_a_gone_workspace_is_not_found(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    h.sandbox()
        .destroy(&ws, false)
        .unwrap_or_else(|err| panic!("destroying: {}", chain(&err)));
    let err = h
        .sandbox()
        .destroy(&ws, false)
        .expect_err("destroying again fails");
    assert_eq!(err.kind(), ErrorKind::NotFound, "{}", chain(&err));
}

/// `destroy` without `force` looks again at the moment of removal and refuses when it
/// finds work, leaving the workspace and its work as they were.
pub fn destroy_without_force_refuses_when_work_is_there(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    h.sh(
        &ws,
        "printf changed > README.md && printf u > untracked.txt",
    );
    let err = h
        .sandbox()
        .destroy(&ws, false)
        .expect_err("destroying a workspace holding work without force is refused");
    assert_eq!(err.kind(), ErrorKind::Refused, "{}", chain(&err));
    assert!(
        h.locate(&WorkspaceTarget::Branch(branch_name(BRANCH)))
            .is_some()
    );
    assert_eq!(
        h.at_risk(&ws),
        AtRisk {
            modified: vec!["README.md".to_owned()],
            untracked: vec!["untracked.txt".to_owned()],
            ..AtRisk::default()
        }
    );
}

/// `destroy` with `force` removes a workspace whatever it holds.
pub fn destroy_with_force_removes_a_workspace_holding_work(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    h.sh(
        &ws,
        &format!("printf changed > README.md && printf u > untracked.txt && {GIT} stash push -q && printf again > README.md"),
    );
    h.sandbox()
        .destroy(&ws, true)
        .unwrap_or_else(|err| panic!("destroying with force: {}", chain(&err)));
    assert_eq!(
        h.locate(&WorkspaceTarget::Branch(branch_name(BRANCH))),
        None
    );
}

/// `detach` is idempotent: without a session, twice is fine and the second says so.
pub fn detach_is_idempotent(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    h.sandbox()
        .detach(&ws)
        .unwrap_or_else(|err| panic!("detaching: {}", chain(&err)));
    let second = h
        .sandbox()
        .detach(&ws)
        .unwrap_or_else(|err| panic!("detaching again: {}", chain(&err)));
    assert_eq!(second, DetachOutcome::NoSession);
}

/// `stop` is idempotent, and a command run after it starts the workspace again.
pub fn stop_is_idempotent_and_a_command_starts_it_again(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    h.sandbox()
        .stop(&ws)
        .unwrap_or_else(|err| panic!("stopping: {}", chain(&err)));
    let second = h
        .sandbox()
        .stop(&ws)
        .unwrap_or_else(|err| panic!("stopping again: {}", chain(&err)));
    assert!(
        matches!(second, StopOutcome::NotRunning { .. }),
        "{second:?}"
    );
    assert_eq!(h.sh(&ws, "echo up"), "up");
}

/// A [`BranchStart::TrackRemote`] workspace starts at the origin's commit of that branch
/// (fetched by the refresh, not yet in the host's history) and tracks it.
pub fn track_remote_starts_at_origins_commit(h: &Harness) {
    let tip = h.push_to_origin(REMOTE_BRANCH, "later.txt", "later\n");
    let ws = h.create(REMOTE_BRANCH, BranchStart::TrackRemote);
    assert_eq!(h.sh(&ws, "git rev-parse HEAD"), tip);
    assert_eq!(h.sh(&ws, "git rev-parse --abbrev-ref HEAD"), REMOTE_BRANCH);
    assert_eq!(
        h.sh(&ws, "git rev-parse --abbrev-ref '@{upstream}'"),
        format!("origin/{REMOTE_BRANCH}")
    );
    assert_eq!(h.at_risk(&ws), AtRisk::default());
}

/// A [`BranchStart::NewFromDefault`] workspace starts at `origin/<default>` as last
/// fetched, not at the host's (older) local default branch.
pub fn new_from_default_starts_at_origin_default(h: &Harness) {
    let tip = h.push_to_origin(DEFAULT_BRANCH, "later.txt", "later\n");
    let local = git(
        &h.checkout().path,
        &["rev-parse", &format!("refs/heads/{DEFAULT_BRANCH}")],
    );
    assert_ne!(local, tip, "the host's default branch is behind on purpose");
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    assert_eq!(h.sh(&ws, "git rev-parse HEAD"), tip);
    assert_eq!(h.sh(&ws, "git rev-parse --abbrev-ref HEAD"), BRANCH);
}

/// The host checkout's working tree, `HEAD` and branch are untouched by creating.
pub fn create_leaves_the_host_checkout_alone(h: &Harness) {
    let host = &h.checkout().path;
    let head = git(host, &["rev-parse", "HEAD"]);
    h.create(BRANCH, BranchStart::NewFromDefault);
    assert_eq!(git(host, &["rev-parse", "HEAD"]), head);
    assert_eq!(
        git(host, &["rev-parse", "--abbrev-ref", "HEAD"]),
        DEFAULT_BRANCH
    );
    assert_eq!(git(host, &["status", "--porcelain"]), "");
    assert_eq!(git(host, &["stash", "list"]), "");
}

/// `diff` writes the workspace's commits, staged, modified and untracked files as one diff
/// to the host file asked for, changing nothing in the workspace; a start that names no
/// commit is [`ErrorKind::NotFound`].
pub fn diff_is_all_the_work_as_one_diff_and_changes_nothing(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    h.sh(
        &ws,
        &format!(
            "printf c > committed.txt && git add committed.txt && {GIT} commit -q -m c && \
             printf s > staged.txt && git add staged.txt && printf m >> README.md && printf u > untracked.txt"
        ),
    );
    let status = h.sh(
        &ws,
        "git status --porcelain=v1 -z | od -c; git rev-parse HEAD",
    );
    let dest = h.scene().home().root().join("names.diff");
    let mut request = DiffRequest {
        base: None,
        default_branch: h.default_branch().clone(),
        format: DiffFormat::NameOnly,
        color: false,
        columns: None,
    };
    let made = h
        .sandbox()
        .diff(&ws, &request, &dest)
        .unwrap_or_else(|err| panic!("diffing: {}", chain(&err)));
    let base = h.sh(
        &ws,
        &format!("git rev-parse refs/remotes/origin/{DEFAULT_BRANCH}"),
    );
    assert_eq!(made.base.as_deref(), Some(base.as_str()));
    assert_eq!(
        fs_err::read_to_string(&dest).unwrap(),
        "README.md\ncommitted.txt\nstaged.txt\nuntracked.txt\n"
    );
    assert_eq!(
        h.sh(
            &ws,
            "git status --porcelain=v1 -z | od -c; git rev-parse HEAD"
        ),
        status
    );
    request.base = Some("sk-contract-no-such-ref".to_owned());
    let err = h.sandbox().diff(&ws, &request, &dest).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{}", chain(&err));
}

/// Makes one `#[test]` per contract case, each calling `$make` for a fresh [`Harness`]
/// (`fn() -> Option<Harness>`; `None` skips the case, the function having said why).
///
/// `ignore { case: "reason", ... }` marks cases `#[ignore = "reason"]` for this backend: a
/// finding whose fix belongs in the adapter.
/// `put_files` writes files (with their mode) and links, makes the directories they need,
/// and writes nothing over what the workspace has nor through a link in it: a tracked file
/// and a path through a link out of the workspace are skipped, each with its reason.
pub fn put_files_writes_files_and_links_and_never_over_or_through_anything(h: &Harness) {
    let workspace = h.create(BRANCH, BranchStart::NewFromDefault);
    let outside = h.sh(
        &workspace,
        "d=$(mktemp -d) && ln -s \"$d\" escape && printf %s \"$d\"",
    );
    let host = h.scene().home().root().join("carried");
    fs_err::create_dir_all(&host).unwrap();
    let source = |name: &str, text: &str| {
        let path = host.join(name);
        fs_err::write(&path, text).unwrap();
        path
    };
    let file = |path: &str, source: PathBuf, mode: u32| CarriedFile {
        path: CarriedPath::new(path).unwrap(),
        content: CarriedContent::File { source, mode },
    };
    let files = [
        file(".env", source("env", "TOKEN=1\n"), 0o600),
        file("config/local/dev.key", source("key", "key\n"), 0o640),
        CarriedFile {
            path: CarriedPath::new("env-link").unwrap(),
            content: CarriedContent::Symlink {
                target: ".env".to_owned(),
            },
        },
        file(
            "README.md",
            source("readme", "not the tracked one\n"),
            0o644,
        ),
        file("escape/out.txt", source("out", "out\n"), 0o644),
    ];

    let skipped = h
        .sandbox()
        .put_files(&workspace, &files)
        .unwrap_or_else(|err| panic!("putting files: {}", chain(&err)));

    assert_eq!(
        skipped,
        [
            SkippedFile {
                path: "README.md".to_owned(),
                reason: SkipReason::AlreadyThere,
            },
            SkippedFile {
                path: "escape/out.txt".to_owned(),
                reason: SkipReason::ThroughLink {
                    dir: "escape".to_owned()
                },
            },
        ]
    );
    assert_eq!(
        h.sh(
            &workspace,
            "cat .env config/local/dev.key env-link README.md && stat -c %a .env config/local/dev.key && readlink env-link"
        ),
        "TOKEN=1\nkey\nTOKEN=1\nversion 2\n600\n640\n.env"
    );
    // Owned by the user commands run as, who can write beside them.
    assert_eq!(
        h.sh(
            &workspace,
            "test \"$(stat -c %u .env config/local config/local/dev.key | sort -u)\" = \"$(id -u)\" && touch config/local/more && echo owned"
        ),
        "owned"
    );
    assert_eq!(h.sh(&workspace, &format!("ls -A '{outside}'")), "");
    // The tracked file is as it was, and git sees the new files as untracked.
    assert_eq!(h.sh(&workspace, "git status --porcelain -- README.md"), "");
}

#[macro_export]
macro_rules! contract_tests {
    ($make:path $(, ignore { $($ignored:ident : $reason:literal),* $(,)? })? $(,)?) => {
        $crate::contract_tests!(@dollar ($) $make, [$($($ignored : $reason),*)?]);
    };
    (@dollar ($d:tt) $make:path, [$($ignored:ident : $reason:literal),*]) => {
        macro_rules! contract_case {
            $(
                ($ignored) => {
                    #[test]
                    #[ignore = $reason]
                    fn $ignored() {
                        if let Some(harness) = $make() {
                            $crate::$ignored(&harness);
                        }
                    }
                };
            )*
            ($d case:ident) => {
                #[test]
                fn $d case() {
                    if let Some(harness) = $make() {
                        $crate::$d case(&harness);
                    }
                }
            };
        }
        contract_case!(create_then_locate_finds_it);
        contract_case!(list_shows_main_first_then_the_branch);
        contract_case!(locate_of_a_missing_branch_is_none);
        contract_case!(prepare_main_is_idempotent);
        contract_case!(ports_given_at_creation_are_remembered);
        contract_case!(execute_returns_the_exit_code);
        contract_case!(execute_keeps_stdout_and_stderr_apart);
        contract_case!(execute_delivers_stdin_and_its_end);
        contract_case!(execute_of_a_missing_program_is_program_not_found);
        contract_case!(execute_of_shell_text_exiting_127_is_a_status);
        contract_case!(execute_of_an_empty_argv_is_invalid_input);
        contract_case!(execute_adds_the_environment_given);
        contract_case!(execute_runs_in_the_repository_on_the_branch);
        contract_case!(at_risk_is_empty_on_a_fresh_workspace);
        contract_case!(at_risk_names_a_modified_file);
        contract_case!(at_risk_names_each_untracked_file);
        contract_case!(at_risk_names_an_unpushed_commit);
        contract_case!(at_risk_names_a_stash_entry);
        contract_case!(at_risk_names_a_detached_head_with_a_commit);
        contract_case!(preserve_saves_to_a_path_that_exists);
        contract_case!(unicode_branch_names_are_gated_saved_and_restored);
        contract_case!(notes_are_gated_saved_and_restored);
        contract_case!(other_refs_are_gated_saved_and_restored);
        contract_case!(a_nested_repository_is_gated_saved_and_restored);
        contract_case!(a_submodule_commit_is_gated_saved_and_restored);
        contract_case!(ignored_files_are_listed_with_their_size_and_gate_nothing);
        contract_case!(a_restore_brings_back_every_kind_of_work);
        contract_case!(a_restore_never_moves_a_branch_over_commits_the_save_lacks);
        contract_case!(random_work_is_gated_and_comes_back_after_a_forced_removal);
        contract_case!(destroy_removes_the_workspace);
        contract_case!(destroy_of_a_gone_workspace_is_not_found);
        contract_case!(destroy_without_force_refuses_when_work_is_there);
        contract_case!(destroy_with_force_removes_a_workspace_holding_work);
        contract_case!(detach_is_idempotent);
        contract_case!(stop_is_idempotent_and_a_command_starts_it_again);
        contract_case!(track_remote_starts_at_origins_commit);
        contract_case!(new_from_default_starts_at_origin_default);
        contract_case!(create_leaves_the_host_checkout_alone);
        contract_case!(diff_is_all_the_work_as_one_diff_and_changes_nothing);
        contract_case!(put_files_writes_files_and_links_and_never_over_or_through_anything);
    };
}
