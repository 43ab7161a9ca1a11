//! In-memory fakes of the ports, for unit tests of the use cases without git, tmux or
//! Docker: [`FakeCheckouts`] for [`HostCheckouts`], [`FakeSandbox`] for both [`Sandbox`]
//! and [`WorkspaceRegistry`].
//!
//! Each fake keeps its state in memory, follows the contract its trait documents
//! (idempotency, [`ErrorKind::NotFound`] for what is gone, main first in a listing) and
//! records every call as a line such as `"destroy feat/x force=true"`, so a test can assert
//! what was asked and in which order. They are built with `with_*` knobs and read back with
//! accessors; they are also a short, runnable statement of what each port promises.
//!
//! Compiled for this crate's tests and, with the `fakes` feature, for other crates' tests.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::domain::{
    AtRisk, BranchName, CarriedFile, CarrySelection, Checkout, CommandLine, CommandStatus,
    ContainerState, DiffMade, DiffRequest, Environment, IncludeList, RemoteUrl, RepositoryId,
    SandboxKind, SaveId, SaveSlot, SavedContents, SavedWork, SkipReason, SkippedFile, WorkState,
    Workspace, WorkspaceLocation, WorkspaceRef, WorkspaceTarget,
};
use crate::ports::{
    AttachOutcome, BranchExport, BranchImport, BranchPresence, BranchStanding, CheckoutError,
    CloneOutcome, CreateRequest, DetachOutcome, ErrorKind, ExecIo, ExportRequest, Forgotten,
    HostBranch, HostCheckouts, HostPorts, Imported, LockError, LockGuard, Locks, Operation,
    PullRequestFetched, PushStanding, Refreshed, RemovalRecord, Sandbox, SandboxError, SaveError,
    SaveStore, SessionIo, StopOutcome, SyncReport, WorkspaceRegistry,
};
use crate::usecases::{Backend, PortPlan};

/// A branch name for tests.
///
/// # Panics
/// When `name` is not a valid branch name.
#[must_use]
pub fn branch(name: &str) -> BranchName {
    BranchName::new(name).unwrap_or_else(|err| panic!("{err}"))
}

/// The checkout of `github.com:<owner>/<name>`, where [`FakeCheckouts::clone_remote`] puts
/// it.
///
/// # Panics
/// When `owner` or `name` is not a valid repository part.
#[must_use]
pub fn checkout(owner: &str, name: &str) -> Checkout {
    let repository =
        RepositoryId::new("github.com", owner, name).unwrap_or_else(|err| panic!("{err}"));
    checkout_of(repository)
}

fn checkout_of(repository: RepositoryId) -> Checkout {
    Checkout {
        path: PathBuf::from("/fake/checkouts").join(repository.storage_path()),
        repository,
    }
}

/// The ports of one backend made of fakes, as the use cases take them.
#[must_use]
pub fn backend<'a>(checkouts: &'a FakeCheckouts, sandbox: &'a FakeSandbox) -> Backend<'a> {
    Backend {
        checkouts,
        sandbox,
        registry: sandbox,
        saves: &sandbox.saves,
        locks: &FakeLocks,
    }
}

/// The host's ports in memory: the ones listed are listened on, every other one is free.
#[derive(Debug, Default)]
pub struct FakeHostPorts {
    listening: BTreeSet<u16>,
}

impl FakeHostPorts {
    /// A host where something listens on each of `ports`.
    #[must_use]
    pub fn listening(ports: &[u16]) -> Self {
        Self {
            listening: ports.iter().copied().collect(),
        }
    }
}

impl HostPorts for FakeHostPorts {
    fn in_use(&self, port: u16) -> bool {
        self.listening.contains(&port)
    }
}

/// A host where every port is free.
static FREE_HOST: FakeHostPorts = FakeHostPorts {
    listening: BTreeSet::new(),
};

/// One port per workspace from the default range, on a host where every port is free.
#[must_use]
pub fn port_plan() -> PortPlan<'static> {
    PortPlan {
        range: crate::domain::PortRange::DEFAULT,
        count: crate::domain::PortCount::default(),
        host: &FREE_HOST,
    }
}

/// Locks that are always free: one test process, one caller.
#[derive(Debug, Clone, Copy)]
pub struct FakeLocks;

#[derive(Debug)]
struct FakeGuard;

impl LockGuard for FakeGuard {}

impl Locks for FakeLocks {
    fn repository(&self, _repository: &RepositoryId) -> Result<Box<dyn LockGuard>, LockError> {
        Ok(Box::new(FakeGuard))
    }

    fn workspace(&self, _workspace: &WorkspaceRef) -> Result<Box<dyn LockGuard>, LockError> {
        Ok(Box::new(FakeGuard))
    }
}

/// A save store in memory: saves get ids `save0001`, `save0002`... in order, under
/// `/fake/saved/<id>`; removal records are kept by workspace and sandbox.
#[derive(Debug, Default)]
pub struct FakeSaves {
    state: Mutex<SavesState>,
}

#[derive(Debug, Default)]
struct SavesState {
    reserved: usize,
    open: Vec<SaveSlot>,
    saves: Vec<SavedWork>,
    removals: Vec<RemovalRecord>,
    /// `(save, agent) -> transcript`.
    transcripts: BTreeMap<(SaveId, String), Vec<u8>>,
}

impl FakeSaves {
    /// The removals recorded and not ended.
    #[must_use]
    pub fn pending_removals(&self) -> Vec<RemovalRecord> {
        lock(&self.state).removals.clone()
    }

    /// Records a removal as an interrupted `remove` left it.
    pub fn with_removal(&self, record: RemovalRecord) {
        lock(&self.state).removals.push(record);
    }

    /// Adds a complete save.
    pub fn with_save(&self, saved: SavedWork) {
        lock(&self.state).saves.push(saved);
    }
}

impl SaveStore for FakeSaves {
    fn keep_transcript(
        &self,
        slot: &SaveSlot,
        agent: &str,
        transcript: &[u8],
    ) -> Result<(), SaveError> {
        lock(&self.state)
            .transcripts
            .insert((slot.id.clone(), agent.to_owned()), transcript.to_vec());
        Ok(())
    }

    fn transcript(&self, saved: &SavedWork, agent: &str) -> Result<Vec<u8>, SaveError> {
        lock(&self.state)
            .transcripts
            .get(&(saved.id.clone(), agent.to_owned()))
            .cloned()
            .ok_or_else(|| SaveError::Store {
                what: format!("reading {agent}'s transcript in save {}", saved.id),
                source: "none was kept".into(),
            })
    }

    fn reserve(
        &self,
        _workspace: &WorkspaceRef,
        _sandbox: SandboxKind,
    ) -> Result<SaveSlot, SaveError> {
        let mut state = lock(&self.state);
        state.reserved += 1;
        let id = SaveId::new(&format!("save{:04}", state.reserved))
            .unwrap_or_else(|err| panic!("{err}"));
        let slot = SaveSlot {
            dir: PathBuf::from("/fake/saved").join(id.as_str()),
            id,
        };
        state.open.push(slot.clone());
        Ok(slot)
    }

    fn commit(
        &self,
        slot: SaveSlot,
        workspace: &WorkspaceRef,
        sandbox: SandboxKind,
        contents: SavedContents,
    ) -> Result<SavedWork, SaveError> {
        let mut state = lock(&self.state);
        state.open.retain(|open| *open != slot);
        let saved = SavedWork {
            bundle: Some(slot.bundle()),
            id: slot.id,
            repository: workspace.repository.clone(),
            branch: workspace
                .target
                .branch()
                .cloned()
                .unwrap_or_else(|| branch("main")),
            sandbox,
            saved_at: 1_700_000_000 + state.saves.len() as u64,
            dir: slot.dir,
            size: 1,
            contents,
        };
        state.saves.push(saved.clone());
        Ok(saved)
    }

    fn discard(&self, slot: SaveSlot) -> Result<(), SaveError> {
        lock(&self.state).open.retain(|open| *open != slot);
        Ok(())
    }

    fn list(&self, repository: Option<&RepositoryId>) -> Result<Vec<SavedWork>, SaveError> {
        Ok(lock(&self.state)
            .saves
            .iter()
            .filter(|saved| repository.is_none_or(|r| saved.repository == *r))
            .cloned()
            .collect())
    }

    fn get(&self, id: &SaveId) -> Result<SavedWork, SaveError> {
        lock(&self.state)
            .saves
            .iter()
            .find(|saved| saved.id == *id)
            .cloned()
            .ok_or_else(|| SaveError::NotFound { id: id.clone() })
    }

    fn drop_save(&self, id: &SaveId) -> Result<SavedWork, SaveError> {
        let saved = self.get(id)?;
        lock(&self.state).saves.retain(|s| s.id != *id);
        Ok(saved)
    }

    fn incomplete(&self) -> Result<Vec<SaveSlot>, SaveError> {
        Ok(lock(&self.state).open.clone())
    }

    fn begin_removal(&self, record: &RemovalRecord) -> Result<(), SaveError> {
        lock(&self.state).removals.push(record.clone());
        Ok(())
    }

    fn removal(
        &self,
        workspace: &WorkspaceRef,
        sandbox: SandboxKind,
    ) -> Result<Option<RemovalRecord>, SaveError> {
        Ok(lock(&self.state)
            .removals
            .iter()
            .find(|r| r.workspace == *workspace && r.sandbox == sandbox)
            .cloned())
    }

    fn removals(&self) -> Result<Vec<RemovalRecord>, SaveError> {
        Ok(lock(&self.state).removals.clone())
    }

    fn end_removal(&self, workspace: &WorkspaceRef, sandbox: SandboxKind) -> Result<(), SaveError> {
        lock(&self.state)
            .removals
            .retain(|r| !(r.workspace == *workspace && r.sandbox == sandbox));
        Ok(())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Host checkouts in memory: a set of checkouts, one default branch for all of them, the
/// local and remote branches, and what fetching says.
///
/// `clone_remote` of a remote whose repository is already in the set answers
/// [`CloneOutcome::AlreadyCloned`] and changes nothing; otherwise it adds the checkout and
/// answers [`CloneOutcome::Cloned`].
#[derive(Debug)]
pub struct FakeCheckouts {
    checkouts: Mutex<BTreeMap<RepositoryId, Checkout>>,
    default_branch: BranchName,
    local: BTreeSet<BranchName>,
    remote: BTreeSet<BranchName>,
    fetch_warning: Option<String>,
    calls: Mutex<Vec<String>>,
    /// The local branches' tips, for `host_branch`.
    host_tips: BTreeMap<BranchName, String>,
    /// Where every branch is checked out, for `host_branch`.
    checked_out: Option<PathBuf>,
    push_standing: PushStanding,
    push_status: CommandStatus,
    imports: Mutex<Vec<BranchImport>>,
    /// The host checkouts' work at risk (every checkout's).
    host_risk: Mutex<AtRisk>,
    /// What `worktree_include` answers.
    worktree_include: Option<IncludeList>,
    /// What `select_carried` answers.
    carry_selection: CarrySelection,
    /// The pull requests `fetch_pull_request` finds, by number: their head commit.
    pull_requests: BTreeMap<u64, String>,
}

impl FakeCheckouts {
    /// No checkout yet; every repository's default branch is `default_branch`.
    #[must_use]
    pub fn new(default_branch: &str) -> Self {
        Self {
            checkouts: Mutex::default(),
            default_branch: branch(default_branch),
            local: BTreeSet::new(),
            remote: BTreeSet::new(),
            fetch_warning: None,
            calls: Mutex::default(),
            host_tips: BTreeMap::new(),
            checked_out: None,
            push_standing: PushStanding::Ahead,
            push_status: CommandStatus::SUCCESS,
            imports: Mutex::default(),
            host_risk: Mutex::default(),
            worktree_include: None,
            carry_selection: CarrySelection::default(),
            pull_requests: BTreeMap::new(),
        }
    }

    /// The repositories have a `.worktreeinclude` of `list`.
    #[must_use]
    pub fn with_worktree_include(mut self, list: IncludeList) -> Self {
        self.worktree_include = Some(list);
        self
    }

    /// `select_carried` answers `selection`, whatever the patterns.
    #[must_use]
    pub fn with_carry_selection(mut self, selection: CarrySelection) -> Self {
        self.carry_selection = selection;
        self
    }

    /// The remote has pull request `number`, whose head is `tip`.
    #[must_use]
    pub fn with_pull_request(mut self, number: u64, tip: &str) -> Self {
        self.pull_requests.insert(number, tip.to_owned());
        self
    }

    /// Every host checkout holds `risk` (else nothing), until it is removed.
    #[must_use]
    pub fn with_host_risk(self, risk: AtRisk) -> Self {
        *lock(&self.host_risk) = risk;
        self
    }

    /// Whether the checkout of `repository` is there.
    #[must_use]
    pub fn contains(&self, repository: &RepositoryId) -> bool {
        lock(&self.checkouts).contains_key(repository)
    }

    /// The local branch `name` is at `tip` (in every checkout), for `host_branch`.
    #[must_use]
    pub fn with_host_tip(mut self, name: &str, tip: &str) -> Self {
        self.host_tips.insert(branch(name), tip.to_owned());
        self
    }

    /// Every branch is checked out at `path`, for `host_branch`.
    #[must_use]
    pub fn with_checked_out(mut self, path: &str) -> Self {
        self.checked_out = Some(PathBuf::from(path));
        self
    }

    /// `push_standing` answers `standing` (else [`PushStanding::Ahead`]).
    #[must_use]
    pub fn with_push_standing(mut self, standing: PushStanding) -> Self {
        self.push_standing = standing;
        self
    }

    /// `push_branch` answers `status` (else success).
    #[must_use]
    pub fn with_push_status(mut self, status: CommandStatus) -> Self {
        self.push_status = status;
        self
    }

    /// The imports `import_branch` received, in order.
    #[must_use]
    pub fn imports(&self) -> Vec<BranchImport> {
        lock(&self.imports).clone()
    }

    /// `checkout` is cloned already.
    #[must_use]
    pub fn with_checkout(self, checkout: Checkout) -> Self {
        lock(&self.checkouts).insert(checkout.repository.clone(), checkout);
        self
    }

    /// A local branch `name` exists (in every checkout).
    #[must_use]
    pub fn with_local_branch(mut self, name: &str) -> Self {
        self.local.insert(branch(name));
        self
    }

    /// `origin/<name>` exists (in every checkout).
    #[must_use]
    pub fn with_remote_branch(mut self, name: &str) -> Self {
        self.remote.insert(branch(name));
        self
    }

    /// Fetching fails with `warning`: `refresh` still succeeds, with this warning.
    #[must_use]
    pub fn with_fetch_warning(mut self, warning: &str) -> Self {
        self.fetch_warning = Some(warning.to_owned());
        self
    }

    /// Every call so far, in order: `"clone <remote>"`, `"list"`, `"refresh <repository>"`,
    /// `"default_branch <repository>"`, `"branch_presence <repository> <branch>"`.
    #[must_use]
    pub fn calls(&self) -> Vec<String> {
        lock(&self.calls).clone()
    }

    fn record(&self, call: String) {
        lock(&self.calls).push(call);
    }
}

impl HostCheckouts for FakeCheckouts {
    fn clone_remote(&self, remote: &RemoteUrl) -> Result<CloneOutcome, CheckoutError> {
        self.record(format!("clone {remote}"));
        let mut checkouts = lock(&self.checkouts);
        let repository = remote.repository();
        if let Some(existing) = checkouts.get(repository) {
            return Ok(CloneOutcome::AlreadyCloned(existing.clone()));
        }
        let checkout = checkout_of(repository.clone());
        checkouts.insert(repository.clone(), checkout.clone());
        Ok(CloneOutcome::Cloned(checkout))
    }

    fn list(&self) -> Result<Vec<Checkout>, CheckoutError> {
        self.record("list".to_owned());
        Ok(lock(&self.checkouts).values().cloned().collect())
    }

    fn refresh(&self, checkout: &Checkout) -> Result<Refreshed, CheckoutError> {
        self.record(format!("refresh {}", checkout.repository));
        Ok(Refreshed {
            default_branch: self.default_branch.clone(),
            fetch_warning: self.fetch_warning.clone(),
        })
    }

    fn default_branch(&self, checkout: &Checkout) -> Result<BranchName, CheckoutError> {
        self.record(format!("default_branch {}", checkout.repository));
        Ok(self.default_branch.clone())
    }

    fn remote_url(&self, checkout: &Checkout) -> Result<String, CheckoutError> {
        self.record(format!("remote_url {}", checkout.repository));
        Ok(format!("https://fake/{}", checkout.repository))
    }

    fn file_at(
        &self,
        checkout: &Checkout,
        rev: &str,
        path: &str,
    ) -> Result<Option<Vec<u8>>, CheckoutError> {
        self.record(format!("file_at {} {rev} {path}", checkout.repository));
        Ok(None)
    }

    fn branches(&self, checkout: &Checkout) -> Result<Vec<BranchName>, CheckoutError> {
        self.record(format!("branches {}", checkout.repository));
        let all: BTreeSet<BranchName> = self.local.union(&self.remote).cloned().collect();
        Ok(all.into_iter().collect())
    }

    fn branch_presence(
        &self,
        checkout: &Checkout,
        branch: &BranchName,
    ) -> Result<BranchPresence, CheckoutError> {
        self.record(format!("branch_presence {} {branch}", checkout.repository));
        Ok(if self.local.contains(branch) {
            BranchPresence::Local
        } else if self.remote.contains(branch) {
            BranchPresence::Remote
        } else {
            BranchPresence::Absent
        })
    }

    fn host_branch(
        &self,
        checkout: &Checkout,
        branch: &BranchName,
    ) -> Result<HostBranch, CheckoutError> {
        self.record(format!("host_branch {} {branch}", checkout.repository));
        Ok(HostBranch {
            tip: self.host_tips.get(branch).cloned(),
            remote_tips: vec!["0".repeat(40)],
            checked_out: self.checked_out.clone(),
        })
    }

    fn import_branch(
        &self,
        checkout: &Checkout,
        import: &BranchImport,
    ) -> Result<Imported, CheckoutError> {
        self.record(format!(
            "import_branch {} {}",
            checkout.repository, import.branch
        ));
        lock(&self.imports).push(import.clone());
        Ok(Imported {
            old: import.old.clone(),
            new: import.tip.clone(),
            commits: 1,
        })
    }

    fn push_standing(
        &self,
        checkout: &Checkout,
        branch: &BranchName,
        remote: &str,
    ) -> Result<PushStanding, CheckoutError> {
        self.record(format!(
            "push_standing {} {branch} {remote}",
            checkout.repository
        ));
        Ok(self.push_standing.clone())
    }

    fn push_branch(
        &self,
        checkout: &Checkout,
        branch: &BranchName,
        remote: &str,
        set_upstream: bool,
    ) -> Result<CommandStatus, CheckoutError> {
        self.record(format!(
            "push_branch {} {branch} {remote} set_upstream={set_upstream}",
            checkout.repository
        ));
        Ok(self.push_status)
    }

    fn at_risk(&self, checkout: &Checkout) -> Result<AtRisk, CheckoutError> {
        self.record(format!("at_risk {}", checkout.repository));
        Ok(lock(&self.host_risk).clone())
    }

    fn preserve(
        &self,
        checkout: &Checkout,
        slot: &SaveSlot,
    ) -> Result<SavedContents, CheckoutError> {
        self.record(format!("preserve {} into {}", checkout.repository, slot.id));
        let risk = lock(&self.host_risk).clone();
        Ok(SavedContents {
            modified: risk.modified.len(),
            untracked: risk.untracked.len(),
            ..SavedContents::default()
        })
    }

    fn worktree_include(
        &self,
        checkout: &Checkout,
        revision: &str,
    ) -> Result<Option<IncludeList>, CheckoutError> {
        self.record(format!(
            "worktree_include {} {revision}",
            checkout.repository
        ));
        Ok(self.worktree_include.clone())
    }

    fn select_carried(
        &self,
        checkout: &Checkout,
        patterns: &[Vec<String>],
    ) -> Result<CarrySelection, CheckoutError> {
        self.record(format!(
            "select_carried {} {patterns:?}",
            checkout.repository
        ));
        Ok(self.carry_selection.clone())
    }

    /// Finds the pull request among those it was given; a branch of that name already
    /// local (`with_local_branch`) counts as at another commit.
    fn fetch_pull_request(
        &self,
        checkout: &Checkout,
        number: u64,
        branch: &BranchName,
    ) -> Result<PullRequestFetched, CheckoutError> {
        self.record(format!(
            "fetch_pull_request {} {number} {branch}",
            checkout.repository
        ));
        let tip =
            self.pull_requests
                .get(&number)
                .ok_or_else(|| CheckoutError::NoSuchPullRequest {
                    number,
                    remote: format!("https://fake/{}", checkout.repository),
                })?;
        if self.local.contains(branch) {
            return Err(CheckoutError::BranchElsewhere {
                path: checkout.path.clone(),
                branch: branch.clone(),
                tip: "0".repeat(40),
                wanted: tip.clone(),
            });
        }
        Ok(PullRequestFetched {
            remote_ref: format!("refs/pull/{number}/head"),
            tip: tip.clone(),
            created: true,
        })
    }

    fn remove(&self, checkout: &Checkout) -> Result<(), CheckoutError> {
        self.record(format!("remove {}", checkout.repository));
        lock(&self.checkouts).remove(&checkout.repository);
        *lock(&self.host_risk) = AtRisk::default();
        Ok(())
    }
}

/// A method of [`FakeSandbox`], to make it fail with [`FakeSandbox::with_failure`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SandboxCall {
    /// [`Sandbox::prepare_main`].
    PrepareMain,
    /// [`Sandbox::create`].
    Create,
    /// [`Sandbox::execute`].
    Execute,
    /// [`Sandbox::attach`].
    Attach,
    /// [`Sandbox::detach`].
    Detach,
    /// [`Sandbox::stop`].
    Stop,
    /// [`Sandbox::at_risk`].
    AtRisk,
    /// [`Sandbox::preserve`].
    Preserve,
    /// [`Sandbox::restore`].
    Restore,
    /// [`Sandbox::destroy`].
    Destroy,
    /// [`Sandbox::work_state`].
    WorkState,
    /// [`WorkspaceRegistry::locate`].
    Locate,
    /// [`WorkspaceRegistry::list`].
    List,
    /// [`Sandbox::diff`].
    Diff,
    /// [`Sandbox::put_files`].
    PutFiles,
}

/// A sandbox and its registry in memory, for one [`SandboxKind`].
///
/// Workspaces are kept by repository and branch (main sorting first), each with the work
/// it holds at risk and whether an interactive session is open. `attach` with a terminal
/// opens a session and answers [`AttachOutcome::Detached`] when the sandbox keeps
/// sessions, else [`AttachOutcome::Exited`] with the exit status; `destroy` without
/// `force` re-checks and refuses a workspace with work at risk.
#[derive(Debug)]
pub struct FakeSandbox {
    kind: SandboxKind,
    keeps_sessions: bool,
    exit_status: CommandStatus,
    missing_programs: BTreeSet<String>,
    /// Exit statuses of particular shell texts.
    statuses: BTreeMap<String, CommandStatus>,
    /// The `.skipper.toml` every workspace's `HEAD` holds, as `git` in it reads it.
    project_file: Option<String>,
    failures: BTreeMap<SandboxCall, ErrorKind>,
    /// How many `locate` calls still miss every workspace (as if another process made
    /// it right after).
    blind_locates: std::sync::atomic::AtomicUsize,
    /// What `export_branch` answers (else the branch shared, or ahead in a container).
    export: Option<BranchExport>,
    /// Whether `begin_new_branch` begins (`None`: the sandbox has no such step), and what
    /// `begun_still_new` answers.
    begins: Option<bool>,
    state: Mutex<SandboxState>,
    /// The save store [`backend`] wires with this sandbox.
    pub saves: FakeSaves,
}

type WorkspaceKey = (RepositoryId, Option<BranchName>);

#[derive(Debug, Default)]
struct SandboxState {
    workspaces: BTreeMap<WorkspaceKey, FakeWorkspace>,
    calls: Vec<String>,
    created: Vec<CreateRequest>,
    commands: Vec<CommandLine>,
    /// The paths `put_files` wrote, in order.
    put: Vec<String>,
    /// Paths every workspace already has (tracked files), which `put_files` skips.
    there: BTreeSet<String>,
    environments: Vec<Environment>,
}

#[derive(Debug)]
struct FakeWorkspace {
    workspace: Workspace,
    at_risk: AtRisk,
    /// An interactive session runs (in a sandbox that keeps sessions).
    session: bool,
    /// A client is attached to that session.
    attached: bool,
    /// What runs between commands is stopped (in a sandbox that keeps no sessions).
    stopped: bool,
    /// What [`Sandbox::work_state`] answers.
    state: WorkState,
}

/// Whether `command` is `git` reading `.skipper.toml` (`ls-tree` or `cat-file`).
fn reads_project_file(command: &CommandLine) -> bool {
    matches!(command, CommandLine::Argv(argv)
        if argv.len() > 1 && argv[0] == "git" && ["ls-tree", "cat-file"].contains(&argv[1].as_str()))
}

fn key(checkout: &Checkout, target: &WorkspaceTarget) -> WorkspaceKey {
    (checkout.repository.clone(), target.branch().cloned())
}

/// The target as one path component: `main`, or the branch with `/` encoded.
fn target_component(target: &WorkspaceTarget) -> String {
    target
        .branch()
        .map_or_else(|| "main".to_owned(), BranchName::as_path_component)
}

impl FakeSandbox {
    /// What `git ls-tree` or `git cat-file` in a workspace answers: the project file when
    /// there is one, else nothing and the sandbox's status.
    fn serve_project_file(&self, command: &CommandLine, io: ExecIo<'_>) -> CommandStatus {
        let Some(text) = &self.project_file else {
            return self.exit_status;
        };
        let listing = matches!(command, CommandLine::Argv(argv) if argv[1] == "ls-tree");
        if let ExecIo::Piped(piped) = io {
            let bytes = if listing {
                b"100644 blob 0123abcd\t.skipper.toml\0".to_vec()
            } else {
                text.as_bytes().to_vec()
            };
            let _ = piped.stdout.write_all(&bytes);
        }
        CommandStatus::SUCCESS
    }

    /// An empty sandbox of `kind` that keeps no sessions and whose commands exit with 0.
    #[must_use]
    pub fn new(kind: SandboxKind) -> Self {
        Self {
            kind,
            keeps_sessions: false,
            exit_status: CommandStatus::SUCCESS,
            missing_programs: BTreeSet::new(),
            statuses: BTreeMap::new(),
            project_file: None,
            failures: BTreeMap::new(),
            blind_locates: std::sync::atomic::AtomicUsize::new(0),
            export: None,
            begins: None,
            state: Mutex::default(),
            saves: FakeSaves::default(),
        }
    }

    /// Which backend this fake stands for (the same as both traits' `kind`).
    #[must_use]
    pub fn kind(&self) -> SandboxKind {
        self.kind
    }

    /// The workspace for `target` of `checkout` exists, with nothing at risk.
    #[must_use]
    pub fn with_workspace(self, checkout: &Checkout, target: &WorkspaceTarget) -> Self {
        self.entry(checkout, target, |_| {});
        self
    }

    /// The workspace for `target` of `checkout` exists and holds `risk`.
    #[must_use]
    pub fn with_risk(self, checkout: &Checkout, target: &WorkspaceTarget, risk: AtRisk) -> Self {
        self.entry(checkout, target, |fake| {
            fake.workspace.risk = Some(risk.clone());
            fake.at_risk = risk;
        });
        self
    }

    /// The workspace for `target` of `checkout` exists and looks like `state`.
    #[must_use]
    pub fn with_work_state(
        self,
        checkout: &Checkout,
        target: &WorkspaceTarget,
        state: WorkState,
    ) -> Self {
        self.entry(checkout, target, |fake| fake.state = state);
        self
    }

    /// The workspace for `target` of `checkout` was left half made by an interrupted
    /// `create`.
    #[must_use]
    pub fn with_half_made(self, checkout: &Checkout, target: &WorkspaceTarget) -> Self {
        self.entry(checkout, target, |fake| fake.workspace.half_made = true);
        self
    }

    /// The workspace for `target` of `checkout` is there but broken, `detail` saying how.
    #[must_use]
    pub fn with_broken(self, checkout: &Checkout, target: &WorkspaceTarget, detail: &str) -> Self {
        self.entry(checkout, target, |fake| {
            fake.workspace.broken = Some(detail.to_owned());
        });
        self
    }

    /// The workspace for `target` of `checkout` exists and was given `ports`.
    #[must_use]
    pub fn with_ports(self, checkout: &Checkout, target: &WorkspaceTarget, ports: &[u16]) -> Self {
        self.entry(checkout, target, |fake| {
            fake.workspace.ports = ports.to_vec();
        });
        self
    }

    /// The first `locate` finds nothing, as when another process makes the workspace
    /// right after it looked.
    #[must_use]
    pub fn missing_at_first_locate(self) -> Self {
        self.blind_locates
            .store(1, std::sync::atomic::Ordering::SeqCst);
        self
    }

    /// The workspace for `target` of `checkout` exists with an interactive session open and
    /// a client attached to it.
    #[must_use]
    pub fn with_session(self, checkout: &Checkout, target: &WorkspaceTarget) -> Self {
        self.entry(checkout, target, |fake| {
            fake.session = true;
            fake.attached = true;
        });
        self
    }

    /// Whether the workspace for `target` of `checkout` has an interactive session.
    #[must_use]
    pub fn has_session(&self, checkout: &Checkout, target: &WorkspaceTarget) -> bool {
        self.state()
            .workspaces
            .get(&key(checkout, target))
            .is_some_and(|fake| fake.session)
    }

    /// Sessions outlive `attach`, as tmux's do.
    #[must_use]
    pub fn keeping_sessions(mut self) -> Self {
        self.keeps_sessions = true;
        self
    }

    /// Commands run by `execute` (and shells left by `attach`) exit with `status`.
    #[must_use]
    pub fn with_exit_status(mut self, status: CommandStatus) -> Self {
        self.exit_status = status;
        self
    }

    /// `program` is not installed in any workspace: `execute` of an argument vector
    /// starting with it fails with [`SandboxError::ProgramNotFound`].
    #[must_use]
    pub fn with_missing_program(mut self, program: &str) -> Self {
        self.missing_programs.insert(program.to_owned());
        self
    }

    /// `export_branch` answers `export`.
    #[must_use]
    pub fn with_export(mut self, export: BranchExport) -> Self {
        self.export = Some(export);
        self
    }

    /// `begin_new_branch` begins, and `begun_still_new` answers `still_new`; the three
    /// calls are recorded.
    #[must_use]
    pub fn with_begun(mut self, still_new: bool) -> Self {
        self.begins = Some(still_new);
        self
    }

    /// Every call of `call` fails with a failure of `kind` (after being recorded).
    #[must_use]
    pub fn with_failure(mut self, call: SandboxCall, kind: ErrorKind) -> Self {
        self.failures.insert(call, kind);
        self
    }

    /// Every call so far, in order, as `"<method> <target>"` with `main` for the main
    /// workspace: `"locate feat/x"`, `"detach feat/x"`, `"destroy feat/x force=true"`,
    /// `"prepare_main main default=main"`, `"list"`.
    #[must_use]
    pub fn calls(&self) -> Vec<String> {
        self.state().calls.clone()
    }

    /// Every workspace already has files at `paths` (tracked files of its branch).
    #[must_use]
    pub fn with_files_there(self, paths: &[&str]) -> Self {
        self.state()
            .there
            .extend(paths.iter().map(|path| (*path).to_owned()));
        self
    }

    /// The paths `put_files` wrote, in order.
    #[must_use]
    pub fn put(&self) -> Vec<String> {
        self.state().put.clone()
    }

    /// The workspace for `target` of `checkout`, as `locate` would find it.
    ///
    /// # Panics
    /// When there is none.
    #[must_use]
    pub fn workspace(&self, checkout: &Checkout, target: &WorkspaceTarget) -> Workspace {
        #[allow(clippy::expect_used, reason = "a test fake's misuse")]
        self.state()
            .workspaces
            .get(&key(checkout, target))
            .map(|fake| fake.workspace.clone())
            .expect("the fake sandbox has that workspace")
    }

    /// The requests `create` received, in order.
    #[must_use]
    pub fn created(&self) -> Vec<CreateRequest> {
        self.state().created.clone()
    }

    /// The commands `execute` received, in order.
    #[must_use]
    pub fn commands(&self) -> Vec<CommandLine> {
        self.state().commands.clone()
    }

    /// The environments `execute` and `attach` received, in order.
    #[must_use]
    pub fn environments(&self) -> Vec<Environment> {
        self.state().environments.clone()
    }

    /// Every workspace's `HEAD` holds `.skipper.toml` with `text`: `git ls-tree` and `git
    /// cat-file` run in it find it (without, they find nothing, and exit with the sandbox's
    /// status).
    #[must_use]
    pub fn with_project_file(mut self, text: &str) -> Self {
        self.project_file = Some(text.to_owned());
        self
    }

    /// The commands `execute` received that were not `git` reading the project file.
    #[must_use]
    pub fn commands_run(&self) -> Vec<CommandLine> {
        self.state()
            .commands
            .iter()
            .filter(|command| !reads_project_file(command))
            .cloned()
            .collect()
    }

    /// The shell text `text` exits with `status` (other commands with the sandbox's
    /// status).
    #[must_use]
    pub fn with_shell_status(mut self, text: &str, status: CommandStatus) -> Self {
        self.statuses.insert(text.to_owned(), status);
        self
    }

    /// Whether the workspace for `target` of `checkout` exists.
    #[must_use]
    pub fn contains(&self, checkout: &Checkout, target: &WorkspaceTarget) -> bool {
        self.state().workspaces.contains_key(&key(checkout, target))
    }

    fn state(&self) -> MutexGuard<'_, SandboxState> {
        lock(&self.state)
    }

    fn entry(
        &self,
        checkout: &Checkout,
        target: &WorkspaceTarget,
        change: impl FnOnce(&mut FakeWorkspace),
    ) {
        let mut state = self.state();
        let fake = state
            .workspaces
            .entry(key(checkout, target))
            .or_insert_with(|| FakeWorkspace {
                workspace: self.new_workspace(checkout, target),
                at_risk: AtRisk::default(),
                session: false,
                attached: false,
                stopped: false,
                state: WorkState::default(),
            });
        change(fake);
    }

    fn new_workspace(&self, checkout: &Checkout, target: &WorkspaceTarget) -> Workspace {
        let repository = &checkout.repository;
        let component = target_component(target);
        let location = match (self.kind, target) {
            (SandboxKind::Worktree, WorkspaceTarget::Main) => {
                WorkspaceLocation::Host(checkout.path.clone())
            }
            (SandboxKind::Worktree, WorkspaceTarget::Branch(_)) => WorkspaceLocation::Host(
                PathBuf::from("/fake/worktrees")
                    .join(repository.storage_path())
                    .join(component),
            ),
            (SandboxKind::Docker, _) => WorkspaceLocation::Container {
                name: format!("sk-{}-{component}", repository.name()),
                path: format!("/workspace/{}", repository.name()),
                state: ContainerState::Running,
            },
        };
        Workspace {
            reference: WorkspaceRef {
                repository: repository.clone(),
                target: target.clone(),
            },
            sandbox: self.kind,
            location,
            risk: Some(AtRisk::default()),
            ports: Vec::new(),
            half_made: false,
            broken: None,
            agent: None,
            runtime: None,
            network: None,
        }
    }

    /// Records `line`, then fails when `call` is set to fail.
    fn record(
        &self,
        state: &mut SandboxState,
        call: SandboxCall,
        operation: Operation,
        reference: &WorkspaceRef,
        line: String,
    ) -> Result<(), SandboxError> {
        state.calls.push(line);
        match self.failures.get(&call) {
            Some(kind) => Err(SandboxError::workspace(
                *kind,
                operation,
                reference,
                "injected failure",
            )),
            None => Ok(()),
        }
    }

    /// The stored workspace `workspace` stands for: another backend's workspace is
    /// [`ErrorKind::InvalidInput`], a gone one [`ErrorKind::NotFound`].
    fn find<'s>(
        &self,
        state: &'s mut SandboxState,
        operation: Operation,
        workspace: &Workspace,
    ) -> Result<&'s mut FakeWorkspace, SandboxError> {
        let reference = &workspace.reference;
        if workspace.sandbox != self.kind {
            return Err(SandboxError::workspace(
                ErrorKind::InvalidInput,
                operation,
                reference,
                format!("a {} workspace, not a {} one", workspace.sandbox, self.kind),
            ));
        }
        state
            .workspaces
            .get_mut(&(
                reference.repository.clone(),
                reference.target.branch().cloned(),
            ))
            .ok_or_else(|| {
                SandboxError::workspace(
                    ErrorKind::NotFound,
                    operation,
                    reference,
                    "no such workspace",
                )
            })
    }
}

impl Sandbox for FakeSandbox {
    fn kind(&self) -> SandboxKind {
        self.kind
    }

    fn main_is_the_host_checkout(&self) -> bool {
        self.kind == SandboxKind::Worktree
    }

    fn prepare_main(
        &self,
        checkout: &Checkout,
        default_branch: &BranchName,
        ports: &[u16],
    ) -> Result<Workspace, SandboxError> {
        let mut main = self.new_workspace(checkout, &WorkspaceTarget::Main);
        main.ports = ports.to_vec();
        let mut state = self.state();
        let line = format!("prepare_main main default={default_branch}");
        self.record(
            &mut state,
            SandboxCall::PrepareMain,
            Operation::Preparing,
            &main.reference,
            line,
        )?;
        let fake = state
            .workspaces
            .entry(key(checkout, &WorkspaceTarget::Main))
            .or_insert_with(|| FakeWorkspace {
                workspace: main,
                at_risk: AtRisk::default(),
                session: false,
                attached: false,
                stopped: false,
                state: WorkState::default(),
            });
        Ok(fake.workspace.clone())
    }

    fn begin_new_branch(
        &self,
        _checkout: &Checkout,
        branch: &BranchName,
    ) -> Result<bool, SandboxError> {
        if self.begins.is_some() {
            self.state().calls.push(format!("begin {branch}"));
        }
        Ok(self.begins.is_some())
    }

    fn begun_still_new(&self) -> bool {
        let Some(still_new) = self.begins else {
            return false;
        };
        self.state().calls.push("begun_still_new".to_owned());
        still_new
    }

    fn abandon_begun(&self) {
        if self.begins.is_some() {
            self.state().calls.push("abandon_begun".to_owned());
        }
    }

    fn create(&self, request: &CreateRequest) -> Result<Workspace, SandboxError> {
        let target = WorkspaceTarget::Branch(request.branch.clone());
        let mut workspace = self.new_workspace(&request.checkout, &target);
        workspace.ports.clone_from(&request.ports);
        let mut state = self.state();
        let line = format!("create {}", request.branch);
        self.record(
            &mut state,
            SandboxCall::Create,
            Operation::Creating,
            &workspace.reference,
            line,
        )?;
        state.created.push(request.clone());
        let key = key(&request.checkout, &target);
        if state.workspaces.contains_key(&key) {
            return Err(SandboxError::workspace(
                ErrorKind::Conflict,
                Operation::Creating,
                &workspace.reference,
                "the workspace's place is taken",
            ));
        }
        state.workspaces.insert(
            key,
            FakeWorkspace {
                workspace: workspace.clone(),
                at_risk: AtRisk::default(),
                session: false,
                attached: false,
                stopped: false,
                state: WorkState::default(),
            },
        );
        Ok(workspace)
    }

    fn execute(
        &self,
        workspace: &Workspace,
        command: &CommandLine,
        env: &Environment,
        io: ExecIo<'_>,
    ) -> Result<CommandStatus, SandboxError> {
        let reference = &workspace.reference;
        let mut state = self.state();
        let line = format!("execute {}", reference.target);
        self.record(
            &mut state,
            SandboxCall::Execute,
            Operation::Running,
            reference,
            line,
        )?;
        state.commands.push(command.clone());
        state.environments.push(env.clone());
        self.find(&mut state, Operation::Running, workspace)?;
        if let CommandLine::Shell(text) = command
            && let Some(status) = self.statuses.get(text)
        {
            return Ok(*status);
        }
        if reads_project_file(command) {
            drop(state);
            return Ok(self.serve_project_file(command, io));
        }
        if let CommandLine::Argv(argv) = command {
            let Some(program) = argv.first().filter(|program| !program.is_empty()) else {
                return Err(SandboxError::workspace(
                    ErrorKind::InvalidInput,
                    Operation::Running,
                    reference,
                    "the command is empty",
                ));
            };
            if self.missing_programs.contains(program) {
                return Err(SandboxError::ProgramNotFound {
                    program: program.clone(),
                });
            }
        }
        Ok(self.exit_status)
    }

    fn attach(
        &self,
        workspace: &Workspace,
        env: &Environment,
        io: SessionIo,
    ) -> Result<AttachOutcome, SandboxError> {
        let reference = &workspace.reference;
        let mut state = self.state();
        state.environments.push(env.clone());
        let line = format!("attach {}", reference.target);
        self.record(
            &mut state,
            SandboxCall::Attach,
            Operation::Attaching,
            reference,
            line,
        )?;
        let fake = self.find(&mut state, Operation::Attaching, workspace)?;
        if !io.terminal {
            return Err(SandboxError::NeedsTerminal { action: "attach" });
        }
        fake.stopped = false;
        if self.keeps_sessions {
            fake.session = true;
            fake.attached = false;
            Ok(AttachOutcome::Detached)
        } else {
            Ok(AttachOutcome::Exited(self.exit_status))
        }
    }

    fn detach(&self, workspace: &Workspace) -> Result<DetachOutcome, SandboxError> {
        let reference = &workspace.reference;
        let mut state = self.state();
        let line = format!("detach {}", reference.target);
        self.record(
            &mut state,
            SandboxCall::Detach,
            Operation::Detaching,
            reference,
            line,
        )?;
        let fake = self.find(&mut state, Operation::Detaching, workspace)?;
        Ok(if std::mem::take(&mut fake.attached) {
            DetachOutcome::Detached
        } else if fake.session {
            DetachOutcome::NotAttached
        } else {
            DetachOutcome::NoSession
        })
    }

    fn can_attach(&self, io: SessionIo) -> Result<(), SandboxError> {
        self.state().calls.push("can_attach".to_owned());
        if io.terminal {
            Ok(())
        } else {
            Err(SandboxError::NeedsTerminal { action: "attach" })
        }
    }

    fn stop(&self, workspace: &Workspace) -> Result<StopOutcome, SandboxError> {
        let reference = &workspace.reference;
        let mut state = self.state();
        let line = format!("stop {}", reference.target);
        self.record(
            &mut state,
            SandboxCall::Stop,
            Operation::Stopping,
            reference,
            line,
        )?;
        let fake = self.find(&mut state, Operation::Stopping, workspace)?;
        let name = format!("{}-{}", self.kind, target_component(&reference.target));
        let was_running = if self.keeps_sessions {
            fake.attached = false;
            std::mem::take(&mut fake.session)
        } else {
            !std::mem::replace(&mut fake.stopped, true)
        };
        Ok(if was_running {
            StopOutcome::Stopped { name }
        } else {
            StopOutcome::NotRunning { name }
        })
    }

    fn keeps_sessions(&self) -> bool {
        self.keeps_sessions
    }

    fn agent_files_outlive_workspaces(&self) -> bool {
        self.kind == SandboxKind::Worktree
    }

    fn at_risk(&self, workspace: &Workspace) -> Result<AtRisk, SandboxError> {
        let reference = &workspace.reference;
        let mut state = self.state();
        let line = format!("at_risk {}", reference.target);
        self.record(
            &mut state,
            SandboxCall::AtRisk,
            Operation::Checking,
            reference,
            line,
        )?;
        Ok(self
            .find(&mut state, Operation::Checking, workspace)?
            .at_risk
            .clone())
    }

    fn preserve(
        &self,
        workspace: &Workspace,
        slot: &SaveSlot,
    ) -> Result<SavedContents, SandboxError> {
        let reference = &workspace.reference;
        let mut state = self.state();
        let line = format!("preserve {} into {}", reference.target, slot.id);
        self.record(
            &mut state,
            SandboxCall::Preserve,
            Operation::Saving,
            reference,
            line,
        )?;
        let risk = &self.find(&mut state, Operation::Saving, workspace)?.at_risk;
        Ok(SavedContents {
            commits: risk.unpushed.iter().map(|unpushed| unpushed.commits).sum(),
            modified: risk.modified.len(),
            untracked: risk.untracked.len(),
            ..SavedContents::default()
        })
    }

    fn restore(&self, workspace: &Workspace, saved: &SavedWork) -> Result<(), SandboxError> {
        let reference = &workspace.reference;
        let mut state = self.state();
        let line = format!("restore {} from {}", reference.target, saved.id);
        self.record(
            &mut state,
            SandboxCall::Restore,
            Operation::Creating,
            reference,
            line,
        )?;
        self.find(&mut state, Operation::Creating, workspace)?;
        Ok(())
    }

    fn destroy(&self, workspace: &Workspace, force: bool) -> Result<(), SandboxError> {
        let reference = &workspace.reference;
        let mut state = self.state();
        let line = format!("destroy {} force={force}", reference.target);
        self.record(
            &mut state,
            SandboxCall::Destroy,
            Operation::Removing,
            reference,
            line,
        )?;
        let fake = self.find(&mut state, Operation::Removing, workspace)?;
        if !force && !fake.at_risk.is_empty() {
            return Err(SandboxError::workspace(
                ErrorKind::Refused,
                Operation::Removing,
                reference,
                "work was found at the moment of removal",
            ));
        }
        state.workspaces.remove(&(
            reference.repository.clone(),
            reference.target.branch().cloned(),
        ));
        Ok(())
    }

    fn export_branch(
        &self,
        workspace: &Workspace,
        _request: &ExportRequest,
        _dest: &std::path::Path,
    ) -> Result<BranchExport, SandboxError> {
        let mut state = self.state();
        state
            .calls
            .push(format!("export_branch {}", workspace.reference.target));
        self.find(&mut state, Operation::Fetching, workspace)?;
        Ok(self.export.clone().unwrap_or_else(|| BranchExport {
            tip: "b".repeat(40),
            standing: match self.kind {
                SandboxKind::Worktree => BranchStanding::Shared,
                SandboxKind::Docker => BranchStanding::Ahead,
            },
            bundle: self.kind == SandboxKind::Docker,
            uncommitted: Vec::new(),
        }))
    }

    fn sync_remote(
        &self,
        workspace: &Workspace,
        _checkout: &Checkout,
        _scratch: &std::path::Path,
    ) -> Result<SyncReport, SandboxError> {
        let mut state = self.state();
        state
            .calls
            .push(format!("sync_remote {}", workspace.reference.target));
        self.find(&mut state, Operation::Syncing, workspace)?;
        Ok(match self.kind {
            SandboxKind::Worktree => SyncReport::Shared,
            SandboxKind::Docker => SyncReport::Synced {
                changes: Vec::new(),
                skipped: Vec::new(),
            },
        })
    }

    fn work_state(&self, workspace: &Workspace) -> Result<WorkState, SandboxError> {
        let reference = &workspace.reference;
        let mut state = self.state();
        let line = format!("work_state {}", reference.target);
        self.record(
            &mut state,
            SandboxCall::WorkState,
            Operation::Checking,
            reference,
            line,
        )?;
        Ok(self
            .find(&mut state, Operation::Checking, workspace)?
            .state
            .clone())
    }

    /// Records the call and the start it was given; writes nothing (the diff starts from
    /// the empty tree).
    fn diff(
        &self,
        workspace: &Workspace,
        request: &DiffRequest,
        _dest: &std::path::Path,
    ) -> Result<DiffMade, SandboxError> {
        let reference = &workspace.reference;
        let mut state = self.state();
        let line = format!("diff {} from {}", reference.target, request.start_ref());
        self.record(
            &mut state,
            SandboxCall::Diff,
            Operation::Diffing,
            reference,
            line,
        )?;
        self.find(&mut state, Operation::Diffing, workspace)?;
        Ok(DiffMade { base: None })
    }

    /// Writes nothing: records the paths, skipping those [`FakeSandbox::with_files_there`]
    /// names.
    fn put_files(
        &self,
        workspace: &Workspace,
        files: &[CarriedFile],
    ) -> Result<Vec<SkippedFile>, SandboxError> {
        let reference = &workspace.reference;
        let mut state = self.state();
        let line = format!("put_files {} {}", reference.target, files.len());
        self.record(
            &mut state,
            SandboxCall::PutFiles,
            Operation::Carrying,
            reference,
            line,
        )?;
        self.find(&mut state, Operation::Carrying, workspace)?;
        let mut skipped = Vec::new();
        for file in files {
            let path = file.path.as_str().to_owned();
            if state.there.contains(&path) {
                skipped.push(SkippedFile {
                    path,
                    reason: SkipReason::AlreadyThere,
                });
            } else {
                state.put.push(path);
            }
        }
        Ok(skipped)
    }

    fn forget_repository(&self, checkout: &Checkout) -> Result<Vec<Forgotten>, SandboxError> {
        let mut state = self.state();
        state
            .calls
            .push(format!("forget_repository {}", checkout.repository));
        Ok(Vec::new())
    }
}

impl WorkspaceRegistry for FakeSandbox {
    fn kind(&self) -> SandboxKind {
        self.kind
    }

    fn locate(
        &self,
        checkout: &Checkout,
        target: &WorkspaceTarget,
    ) -> Result<Option<Workspace>, SandboxError> {
        let reference = WorkspaceRef {
            repository: checkout.repository.clone(),
            target: target.clone(),
        };
        let mut state = self.state();
        let line = format!("locate {target}");
        self.record(
            &mut state,
            SandboxCall::Locate,
            Operation::LookingUp,
            &reference,
            line,
        )?;
        let blind = self
            .blind_locates
            .fetch_update(
                std::sync::atomic::Ordering::SeqCst,
                std::sync::atomic::Ordering::SeqCst,
                |left| left.checked_sub(1),
            )
            .is_ok();
        if blind {
            return Ok(None);
        }
        Ok(state
            .workspaces
            .get(&key(checkout, target))
            .map(|fake| fake.workspace.clone()))
    }

    fn list(&self, checkouts: &[Checkout]) -> Result<Vec<Workspace>, SandboxError> {
        let mut state = self.state();
        state.calls.push("list".to_owned());
        if let Some(kind) = self.failures.get(&SandboxCall::List) {
            return Err(SandboxError::backend(
                *kind,
                format!(
                    "listing the {} workspaces failed: injected failure",
                    self.kind
                ),
            ));
        }
        // The map's order is repository, then main (no branch) before branches by name.
        Ok(state
            .workspaces
            .values()
            .filter(|fake| {
                checkouts
                    .iter()
                    .any(|checkout| checkout.repository == fake.workspace.reference.repository)
            })
            .map(|fake| fake.workspace.clone())
            .collect())
    }

    /// Not recorded in [`FakeSandbox::calls`]: a read that changes nothing, asked by every
    /// creation.
    fn ports_in_use(&self) -> Result<Vec<u16>, SandboxError> {
        Ok(self
            .state()
            .workspaces
            .values()
            .flat_map(|fake| fake.workspace.ports.clone())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepare_main_is_idempotent_and_clone_remote_too() {
        let checkouts = FakeCheckouts::new("main");
        let remote = RemoteUrl::parse("git@github.com:acme/api.git").unwrap();
        let first = checkouts.clone_remote(&remote).unwrap();
        let second = checkouts.clone_remote(&remote).unwrap();
        assert_eq!(first, CloneOutcome::Cloned(checkout("acme", "api")));
        assert_eq!(second, CloneOutcome::AlreadyCloned(checkout("acme", "api")));

        let sandbox = FakeSandbox::new(SandboxKind::Worktree);
        let api = checkout("acme", "api");
        let main = sandbox.prepare_main(&api, &branch("main"), &[]).unwrap();
        assert_eq!(
            sandbox.prepare_main(&api, &branch("main"), &[]).unwrap(),
            main
        );
        assert_eq!(
            WorkspaceRegistry::list(&sandbox, std::slice::from_ref(&api)).unwrap(),
            [main]
        );
    }

    #[test]
    fn destroy_without_force_re_checks_and_a_gone_workspace_is_not_found() {
        let api = checkout("acme", "api");
        let target = WorkspaceTarget::Branch(branch("feat/x"));
        let risk = AtRisk {
            untracked: vec!["new.txt".into()],
            ..AtRisk::default()
        };
        let sandbox = FakeSandbox::new(SandboxKind::Docker).with_risk(&api, &target, risk);
        let workspace = sandbox.locate(&api, &target).unwrap().unwrap();

        let refused = sandbox.destroy(&workspace, false).unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::Refused);
        sandbox.destroy(&workspace, true).unwrap();
        let gone = sandbox.destroy(&workspace, true).unwrap_err();
        assert_eq!(gone.kind(), ErrorKind::NotFound);
    }

    #[test]
    fn another_backend_s_workspace_is_invalid_input() {
        let api = checkout("acme", "api");
        let docker =
            FakeSandbox::new(SandboxKind::Docker).with_workspace(&api, &WorkspaceTarget::Main);
        let worktree = FakeSandbox::new(SandboxKind::Worktree);
        let workspace = docker
            .locate(&api, &WorkspaceTarget::Main)
            .unwrap()
            .unwrap();

        let err = worktree.detach(&workspace).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn list_puts_main_first_and_keeps_to_the_given_checkouts() {
        let api = checkout("acme", "api");
        let web = checkout("acme", "web");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree)
            .with_workspace(&api, &WorkspaceTarget::Branch(branch("b")))
            .with_workspace(&api, &WorkspaceTarget::Branch(branch("a")))
            .with_workspace(&api, &WorkspaceTarget::Main)
            .with_workspace(&web, &WorkspaceTarget::Main);

        let targets: Vec<String> = WorkspaceRegistry::list(&sandbox, &[api])
            .unwrap()
            .iter()
            .map(|workspace| workspace.reference.target.to_string())
            .collect();
        assert_eq!(targets, ["main", "a", "b"]);
    }
}

/// An in-memory [`crate::ports::ApprovalStore`].
#[derive(Debug, Default)]
pub struct FakeApprovals {
    approved: Mutex<BTreeSet<(String, String)>>,
}

impl crate::ports::ApprovalStore for FakeApprovals {
    fn is_approved(
        &self,
        repository: &RepositoryId,
        digest: &str,
    ) -> Result<bool, crate::ports::ApprovalError> {
        let approved = self.approved.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(approved.contains(&(repository.key(), digest.to_owned())))
    }

    fn approve(
        &self,
        repository: &RepositoryId,
        digest: &str,
        _commands: &str,
    ) -> Result<(), crate::ports::ApprovalError> {
        let mut approved = self.approved.lock().unwrap_or_else(PoisonError::into_inner);
        approved.insert((repository.key(), digest.to_owned()));
        Ok(())
    }

    fn revoke(&self, repository: &RepositoryId) -> Result<usize, crate::ports::ApprovalError> {
        let mut approved = self.approved.lock().unwrap_or_else(PoisonError::into_inner);
        let before = approved.len();
        approved.retain(|(repo, _)| *repo != repository.key());
        Ok(before - approved.len())
    }
}
