//! The save store on disk: one directory per save under [`Layout::saved`], named by its
//! id, holding the sandbox's bundles, the agents' transcripts (`conversations/<agent>`)
//! and `save.json`, written last (to a temporary file, then renamed), so a directory
//! without it is a save that never finished. Removals in
//! progress are one small JSON file each under `<root>/state/removing/`.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use fs_err as fs;
use serde::{Deserialize, Serialize};
use skipper_core::{
    BranchName, RemovalRecord, RepositoryId, SandboxKind, SaveError, SaveId, SaveSlot, SaveStore,
    SavedContents, SavedConversation, SavedHead, SavedNested, SavedRef, SavedRemote, SavedWork,
    WorkspaceRef, WorkspaceTarget, short_hash,
};

use crate::Layout;

/// The file that makes a save complete.
const MANIFEST: &str = "save.json";
/// The manifest being written, before the rename.
const MANIFEST_PART: &str = "save.json.part";
/// The directory of the agents' transcripts in a save.
const TRANSCRIPTS: &str = "conversations";
/// The pid of the process making the save, written when the slot is reserved.
pub(crate) const OWNER: &str = "saving.pid";

/// [`SaveStore`] on the data root's filesystem.
#[derive(Debug, Clone)]
pub struct DiskSaves {
    layout: Layout,
}

impl DiskSaves {
    /// The store under `layout`'s data root.
    #[must_use]
    pub fn new(layout: Layout) -> Self {
        Self { layout }
    }

    fn removing_dir(&self) -> PathBuf {
        self.layout.root().join("state").join("removing")
    }

    fn removal_file(&self, workspace: &WorkspaceRef, sandbox: SandboxKind) -> PathBuf {
        let key = format!("{}\n{sandbox}", workspace.identity_key());
        self.removing_dir()
            .join(format!("{}.json", short_hash(&key, 24)))
    }

    /// Every save directory: `saved/<host>/<owner>/<name>/<id>`.
    fn save_dirs(&self) -> Result<Vec<PathBuf>, SaveError> {
        let mut dirs = Vec::new();
        let root = self.layout.root().join("saved");
        for host in subdirs(&root)? {
            for owner in subdirs(&host)? {
                for name in subdirs(&owner)? {
                    for save in subdirs(&name)? {
                        if save
                            .file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| SaveId::new(n).is_ok())
                        {
                            dirs.push(save);
                        }
                    }
                }
            }
        }
        Ok(dirs)
    }

    fn read(dir: &Path) -> Result<Option<SavedWork>, SaveError> {
        Ok(Self::read_ordered(dir)?.map(|(saved, _)| saved))
    }

    /// The save in `dir` and when it was made, in nanoseconds since the epoch.
    fn read_ordered(dir: &Path) -> Result<Option<(SavedWork, u128)>, SaveError> {
        let manifest = dir.join(MANIFEST);
        let text = match fs::read_to_string(&manifest) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(store(format!("reading {}", manifest.display()), err)),
        };
        let stored: StoredSave = serde_json::from_str(&text)
            .map_err(|err| store(format!("reading {}", manifest.display()), err))?;
        let order = stored.saved_at_ns;
        stored
            .into_saved(dir)
            .map(|saved| Some((saved, order)))
            .map_err(|err| store(format!("reading {}", manifest.display()), err))
    }
}

fn store(what: String, source: impl Into<skipper_core::BoxError>) -> SaveError {
    SaveError::Store {
        what,
        source: source.into(),
    }
}

fn subdirs(dir: &Path) -> Result<Vec<PathBuf>, SaveError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(store(format!("listing {}", dir.display()), err)),
    };
    let mut dirs = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|err| store(format!("listing {}", dir.display()), err))?;
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            dirs.push(entry.path());
        }
    }
    dirs.sort();
    Ok(dirs)
}

/// Bytes held by the files under `dir`.
pub(crate) fn size_of(dir: &Path) -> u64 {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => size_of(&entry.path()),
            Ok(meta) => meta.len(),
            Err(_) => 0,
        })
        .sum()
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

/// Writes `contents` to `path` through a temporary file and a rename, so a reader sees
/// the old file or the new one, never half of one.
fn write_atomically(path: &Path, part: &Path, contents: &str) -> std::io::Result<()> {
    fs::write(part, contents)?;
    fs::File::open(part)?.sync_all()?;
    fs::rename(part, path)
}

impl SaveStore for DiskSaves {
    fn reserve(
        &self,
        workspace: &WorkspaceRef,
        _sandbox: SandboxKind,
    ) -> Result<SaveSlot, SaveError> {
        let parent = self.layout.saved(&workspace.repository);
        fs::create_dir_all(&parent)
            .map_err(|err| store(format!("making {}", parent.display()), err))?;
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos());
        // `create_dir` fails when the name is taken, so no two saves ever share one, even
        // made in the same nanosecond by two processes.
        for attempt in 0u32..1000 {
            let seed = format!(
                "{}\n{nanos}\n{}\n{attempt}",
                workspace.identity_key(),
                std::process::id()
            );
            let Ok(id) = SaveId::new(&short_hash(&seed, 10)) else {
                continue;
            };
            // Ids are unique across repositories too: `get` finds a save by id alone.
            if self.get(&id).is_ok() {
                continue;
            }
            let dir = parent.join(id.as_str());
            match fs::create_dir(&dir) {
                Ok(()) => {
                    // Who is saving, so `sk gc` leaves a save in progress alone.
                    let owner = dir.join(OWNER);
                    fs::write(&owner, std::process::id().to_string())
                        .map_err(|err| store(format!("writing {}", owner.display()), err))?;
                    return Ok(SaveSlot { id, dir });
                }
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(err) => return Err(store(format!("making {}", dir.display()), err)),
            }
        }
        Err(store(
            format!("finding a free save id under {}", parent.display()),
            "every id tried was taken",
        ))
    }

    fn commit(
        &self,
        slot: SaveSlot,
        workspace: &WorkspaceRef,
        sandbox: SandboxKind,
        contents: SavedContents,
    ) -> Result<SavedWork, SaveError> {
        let Some(branch) = workspace.target.branch() else {
            return Err(store(
                format!("recording save {}", slot.id),
                "the main workspace is never saved",
            ));
        };
        let stored = StoredSave::new(
            &slot.id,
            &workspace.repository,
            branch,
            sandbox,
            unix_now(),
            &contents,
        );
        let text = serde_json::to_string_pretty(&stored)
            .map_err(|err| store(format!("recording save {}", slot.id), err))?;
        let manifest = slot.dir.join(MANIFEST);
        write_atomically(&manifest, &slot.dir.join(MANIFEST_PART), &text)
            .map_err(|err| store(format!("writing {}", manifest.display()), err))?;
        let _ = fs::remove_file(slot.dir.join(OWNER));
        Self::read(&slot.dir)?.ok_or_else(|| {
            store(
                format!("reading {}", manifest.display()),
                "the manifest just written is gone",
            )
        })
    }

    fn keep_transcript(
        &self,
        slot: &SaveSlot,
        agent: &str,
        transcript: &[u8],
    ) -> Result<(), SaveError> {
        let dir = slot.dir.join(TRANSCRIPTS);
        fs::create_dir_all(&dir).map_err(|err| store(format!("making {}", dir.display()), err))?;
        let path = transcript_file(&slot.dir, agent)?;
        fs::write(&path, transcript)
            .map_err(|err| store(format!("writing {}", path.display()), err))
    }

    fn transcript(&self, saved: &SavedWork, agent: &str) -> Result<Vec<u8>, SaveError> {
        let path = transcript_file(&saved.dir, agent)?;
        fs::read(&path).map_err(|err| store(format!("reading {}", path.display()), err))
    }

    fn discard(&self, slot: SaveSlot) -> Result<(), SaveError> {
        match fs::remove_dir_all(&slot.dir) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(store(format!("deleting {}", slot.dir.display()), err)),
        }
    }

    fn list(&self, repository: Option<&RepositoryId>) -> Result<Vec<SavedWork>, SaveError> {
        let mut saves = Vec::new();
        for dir in self.save_dirs()? {
            if let Some((saved, order)) = Self::read_ordered(&dir)?
                && repository.is_none_or(|r| saved.repository == *r)
            {
                saves.push((saved, order));
            }
        }
        saves.sort_by(|(a, a_order), (b, b_order)| {
            (a.saved_at, a_order, &a.id).cmp(&(b.saved_at, b_order, &b.id))
        });
        Ok(saves.into_iter().map(|(saved, _)| saved).collect())
    }

    fn get(&self, id: &SaveId) -> Result<SavedWork, SaveError> {
        for dir in self.save_dirs()? {
            if dir.file_name().and_then(|n| n.to_str()) == Some(id.as_str())
                && let Some(saved) = Self::read(&dir)?
            {
                return Ok(saved);
            }
        }
        Err(SaveError::NotFound { id: id.clone() })
    }

    fn drop_save(&self, id: &SaveId) -> Result<SavedWork, SaveError> {
        let saved = self.get(id)?;
        // The manifest goes first: a drop cut short leaves an incomplete save, which
        // `sk gc` deletes, never a listed save missing its bundle.
        let manifest = saved.dir.join(MANIFEST);
        fs::remove_file(&manifest)
            .map_err(|err| store(format!("deleting {}", manifest.display()), err))?;
        fs::remove_dir_all(&saved.dir)
            .map_err(|err| store(format!("deleting {}", saved.dir.display()), err))?;
        Ok(saved)
    }

    fn incomplete(&self) -> Result<Vec<SaveSlot>, SaveError> {
        let mut slots = Vec::new();
        for dir in self.save_dirs()? {
            if !dir.join(MANIFEST).exists()
                && let Some(id) = dir
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| SaveId::new(n).ok())
            {
                slots.push(SaveSlot { id, dir });
            }
        }
        Ok(slots)
    }

    fn begin_removal(&self, record: &RemovalRecord) -> Result<(), SaveError> {
        let dir = self.removing_dir();
        fs::create_dir_all(&dir).map_err(|err| store(format!("making {}", dir.display()), err))?;
        let path = self.removal_file(&record.workspace, record.sandbox);
        let text = serde_json::to_string_pretty(&StoredRemoval::new(record))
            .map_err(|err| store(format!("writing {}", path.display()), err))?;
        write_atomically(&path, &path.with_extension("json.part"), &text)
            .map_err(|err| store(format!("writing {}", path.display()), err))
    }

    fn removal(
        &self,
        workspace: &WorkspaceRef,
        sandbox: SandboxKind,
    ) -> Result<Option<RemovalRecord>, SaveError> {
        let path = self.removal_file(workspace, sandbox);
        match fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str::<StoredRemoval>(&text)
                .map_err(|err| store(format!("reading {}", path.display()), err))?
                .into_record()
                .map(Some)
                .map_err(|err| store(format!("reading {}", path.display()), err)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(store(format!("reading {}", path.display()), err)),
        }
    }

    fn removals(&self) -> Result<Vec<RemovalRecord>, SaveError> {
        let dir = self.removing_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(store(format!("listing {}", dir.display()), err)),
        };
        let mut records = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "json") {
                let text = fs::read_to_string(&path)
                    .map_err(|err| store(format!("reading {}", path.display()), err))?;
                let record = serde_json::from_str::<StoredRemoval>(&text)
                    .map_err(|err| store(format!("reading {}", path.display()), err))?
                    .into_record()
                    .map_err(|err| store(format!("reading {}", path.display()), err))?;
                records.push(record);
            }
        }
        Ok(records)
    }

    fn end_removal(&self, workspace: &WorkspaceRef, sandbox: SandboxKind) -> Result<(), SaveError> {
        let path = self.removal_file(workspace, sandbox);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(store(format!("deleting {}", path.display()), err)),
        }
    }
}

/// `save.json`.
#[derive(Debug, Serialize, Deserialize)]
struct StoredSave {
    version: u32,
    id: String,
    host: String,
    owner: String,
    name: String,
    branch: String,
    sandbox: String,
    saved_at: u64,
    /// Nanoseconds since the epoch: orders saves made in one second.
    #[serde(default)]
    saved_at_ns: u128,
    contents: StoredContents,
}

#[derive(Debug, Serialize, Deserialize)]
struct StoredContents {
    head_branch: Option<String>,
    head: Option<String>,
    index: Option<String>,
    worktree: Option<String>,
    stash: Vec<String>,
    refs: Vec<(String, String)>,
    nested: Vec<StoredNested>,
    commits: usize,
    modified: usize,
    untracked: usize,
    unsaved: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    conversations: Vec<StoredConversation>,
}

#[derive(Debug, Serialize, Deserialize)]
struct StoredConversation {
    agent: String,
    session: String,
    transcript: bool,
}

#[derive(Debug, Serialize, Deserialize)]
struct StoredNested {
    path: String,
    submodule: bool,
    bundle: String,
    contents: StoredContents,
    /// `(name, url)` of each remote.
    #[serde(default)]
    remotes: Vec<(String, String)>,
}

impl StoredContents {
    fn new(contents: &SavedContents) -> Self {
        Self {
            head_branch: contents.head.as_ref().and_then(|h| h.branch.clone()),
            head: contents.head.as_ref().map(|h| h.oid.clone()),
            index: contents.index.clone(),
            worktree: contents.worktree.clone(),
            stash: contents.stash.clone(),
            refs: contents
                .refs
                .iter()
                .map(|r| (r.name.clone(), r.oid.clone()))
                .collect(),
            nested: contents
                .nested
                .iter()
                .map(|n| StoredNested {
                    path: n.path.clone(),
                    submodule: n.submodule,
                    bundle: n.bundle.clone(),
                    contents: Self::new(&n.contents),
                    remotes: n
                        .remotes
                        .iter()
                        .map(|r| (r.name.clone(), r.url.clone()))
                        .collect(),
                })
                .collect(),
            commits: contents.commits,
            modified: contents.modified,
            untracked: contents.untracked,
            unsaved: contents.unsaved.clone(),
            conversations: contents
                .conversations
                .iter()
                .map(|c| StoredConversation {
                    agent: c.agent.clone(),
                    session: c.session.clone(),
                    transcript: c.transcript,
                })
                .collect(),
        }
    }

    fn into_contents(self) -> SavedContents {
        SavedContents {
            head: self.head.map(|oid| SavedHead {
                branch: self.head_branch,
                oid,
            }),
            index: self.index,
            worktree: self.worktree,
            stash: self.stash,
            refs: self
                .refs
                .into_iter()
                .map(|(name, oid)| SavedRef { name, oid })
                .collect(),
            nested: self
                .nested
                .into_iter()
                .map(|n| SavedNested {
                    path: n.path,
                    submodule: n.submodule,
                    bundle: n.bundle,
                    contents: n.contents.into_contents(),
                    remotes: n
                        .remotes
                        .into_iter()
                        .map(|(name, url)| SavedRemote { name, url })
                        .collect(),
                })
                .collect(),
            commits: self.commits,
            modified: self.modified,
            untracked: self.untracked,
            unsaved: self.unsaved,
            conversations: self
                .conversations
                .into_iter()
                .map(|c| SavedConversation {
                    agent: c.agent,
                    session: c.session,
                    transcript: c.transcript,
                })
                .collect(),
        }
    }
}

impl StoredSave {
    fn new(
        id: &SaveId,
        repository: &RepositoryId,
        branch: &BranchName,
        sandbox: SandboxKind,
        saved_at: u64,
        contents: &SavedContents,
    ) -> Self {
        Self {
            version: 1,
            id: id.to_string(),
            host: repository.host().to_owned(),
            owner: repository.owner().to_owned(),
            name: repository.name().to_owned(),
            branch: branch.to_string(),
            sandbox: sandbox.as_str().to_owned(),
            saved_at,
            saved_at_ns: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.as_nanos()),
            contents: StoredContents::new(contents),
        }
    }

    fn into_saved(self, dir: &Path) -> Result<SavedWork, String> {
        let bundle = dir.join(SaveSlot::BUNDLE);
        Ok(SavedWork {
            id: SaveId::new(&self.id).map_err(|e| e.to_string())?,
            repository: RepositoryId::new(&self.host, &self.owner, &self.name)
                .map_err(|e| e.to_string())?,
            branch: BranchName::new(&self.branch).map_err(|e| e.to_string())?,
            sandbox: sandbox_kind(&self.sandbox)?,
            saved_at: self.saved_at,
            dir: dir.to_path_buf(),
            bundle: bundle.exists().then_some(bundle),
            size: size_of(dir),
            contents: self.contents.into_contents(),
        })
    }
}

/// Where `agent`'s transcript is kept in the save at `dir`: a file of its own, named for
/// the agent.
fn transcript_file(dir: &Path, agent: &str) -> Result<PathBuf, SaveError> {
    let plain = !agent.is_empty()
        && !agent.starts_with('.')
        && agent
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !plain {
        return Err(store(
            format!("keeping the transcript of agent `{agent}`"),
            "an agent's name must be a plain file name",
        ));
    }
    Ok(dir.join(TRANSCRIPTS).join(format!("{agent}.json")))
}

fn sandbox_kind(name: &str) -> Result<SandboxKind, String> {
    match name {
        "worktree" => Ok(SandboxKind::Worktree),
        "docker" => Ok(SandboxKind::Docker),
        other => Err(format!("unknown sandbox `{other}`")),
    }
}

/// A removal record on disk.
#[derive(Debug, Serialize, Deserialize)]
struct StoredRemoval {
    host: String,
    owner: String,
    name: String,
    branch: String,
    sandbox: String,
    saved: Option<String>,
    began_at: u64,
}

impl StoredRemoval {
    fn new(record: &RemovalRecord) -> Self {
        let repository = &record.workspace.repository;
        Self {
            host: repository.host().to_owned(),
            owner: repository.owner().to_owned(),
            name: repository.name().to_owned(),
            branch: record.workspace.target.to_string(),
            sandbox: record.sandbox.as_str().to_owned(),
            saved: record.saved.as_ref().map(ToString::to_string),
            began_at: record.began_at,
        }
    }

    fn into_record(self) -> Result<RemovalRecord, String> {
        Ok(RemovalRecord {
            workspace: WorkspaceRef {
                repository: RepositoryId::new(&self.host, &self.owner, &self.name)
                    .map_err(|e| e.to_string())?,
                target: WorkspaceTarget::Branch(
                    BranchName::new(&self.branch).map_err(|e| e.to_string())?,
                ),
            },
            sandbox: sandbox_kind(&self.sandbox)?,
            saved: self
                .saved
                .map(|id| SaveId::new(&id).map_err(|e| e.to_string()))
                .transpose()?,
            began_at: self.began_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace(branch: &str) -> WorkspaceRef {
        WorkspaceRef {
            repository: RepositoryId::new("github.com", "acme", "api").unwrap(),
            target: WorkspaceTarget::Branch(BranchName::new(branch).unwrap()),
        }
    }

    fn store_in(dir: &tempfile::TempDir) -> DiskSaves {
        DiskSaves::new(Layout::new(dir.path().to_path_buf()))
    }

    #[test]
    fn two_saves_of_one_branch_in_one_instant_never_share_a_place() {
        let dir = tempfile::tempdir().unwrap();
        let saves = store_in(&dir);
        let ws = workspace("feat/x");
        let slots: Vec<SaveSlot> = (0..50)
            .map(|_| saves.reserve(&ws, SandboxKind::Worktree).unwrap())
            .collect();
        let mut dirs: Vec<&PathBuf> = slots.iter().map(|s| &s.dir).collect();
        dirs.sort();
        dirs.dedup();
        assert_eq!(dirs.len(), 50);
    }

    #[test]
    fn a_committed_save_is_listed_found_and_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let saves = store_in(&dir);
        let ws = workspace("feat/x");
        let slot = saves.reserve(&ws, SandboxKind::Docker).unwrap();
        fs::write(slot.bundle(), "bundle").unwrap();
        let contents = SavedContents {
            head: Some(SavedHead {
                branch: Some("feat/x".into()),
                oid: "a".repeat(40),
            }),
            refs: vec![SavedRef {
                name: "refs/heads/wip\u{2003}x".into(),
                oid: "b".repeat(40),
            }],
            modified: 2,
            ..SavedContents::default()
        };
        assert_eq!(saves.incomplete().unwrap().len(), 1);
        let saved = saves
            .commit(slot, &ws, SandboxKind::Docker, contents.clone())
            .unwrap();
        assert!(saves.incomplete().unwrap().is_empty());
        assert_eq!(saved.contents, contents);
        assert_eq!(saved.sandbox, SandboxKind::Docker);
        assert_eq!(saved.branch.as_str(), "feat/x");
        assert!(saved.bundle.is_some());
        assert!(saved.size >= 6);
        assert_eq!(saves.list(None).unwrap(), std::slice::from_ref(&saved));
        assert_eq!(saves.get(&saved.id).unwrap(), saved);
        saves.drop_save(&saved.id).unwrap();
        assert!(saves.list(None).unwrap().is_empty());
        assert!(matches!(
            saves.get(&saved.id),
            Err(SaveError::NotFound { .. })
        ));
    }

    #[test]
    fn a_saves_conversations_and_their_transcripts_are_kept_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let saves = store_in(&dir);
        let ws = workspace("agent");
        let slot = saves.reserve(&ws, SandboxKind::Docker).unwrap();
        saves
            .keep_transcript(&slot, "opencode", b"{\"info\": {}}")
            .unwrap();
        assert!(saves.keep_transcript(&slot, "../x", b"no").is_err());
        let contents = SavedContents {
            head: Some(SavedHead {
                branch: Some("agent".into()),
                oid: "a".repeat(40),
            }),
            conversations: vec![
                SavedConversation {
                    agent: "opencode".into(),
                    session: "ses_1".into(),
                    transcript: true,
                },
                SavedConversation {
                    agent: "claude".into(),
                    session: String::new(),
                    transcript: false,
                },
            ],
            ..SavedContents::default()
        };
        let saved = saves
            .commit(slot, &ws, SandboxKind::Docker, contents.clone())
            .unwrap();
        let saved = saves.get(&saved.id).unwrap();
        assert_eq!(saved.contents, contents);
        assert_eq!(
            saves.transcript(&saved, "opencode").unwrap(),
            b"{\"info\": {}}"
        );
        assert!(saves.transcript(&saved, "claude").is_err());
    }

    #[test]
    fn a_removal_record_survives_until_ended() {
        let dir = tempfile::tempdir().unwrap();
        let saves = store_in(&dir);
        let ws = workspace("feat/x");
        let record = RemovalRecord {
            workspace: ws.clone(),
            sandbox: SandboxKind::Worktree,
            saved: Some(SaveId::new("abcd1234").unwrap()),
            began_at: 7,
        };
        assert_eq!(saves.removal(&ws, SandboxKind::Worktree).unwrap(), None);
        saves.begin_removal(&record).unwrap();
        assert_eq!(
            saves.removal(&ws, SandboxKind::Worktree).unwrap(),
            Some(record.clone())
        );
        assert_eq!(saves.removal(&ws, SandboxKind::Docker).unwrap(), None);
        assert_eq!(saves.removals().unwrap(), [record]);
        saves.end_removal(&ws, SandboxKind::Worktree).unwrap();
        saves.end_removal(&ws, SandboxKind::Worktree).unwrap();
        assert!(saves.removals().unwrap().is_empty());
    }
}
