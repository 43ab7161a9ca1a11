//! The cases of the dirty gate's finer points and of saving and restoring: names git
//! accepts whatever they hold, notes and other refs, nested repositories and submodules,
//! ignored files, and the round trip a forced removal and a restore make.
//!
//! Some refs live in a repository the host checkout shares with the workspace (a worktree's
//! branches, tags and notes): they survive the workspace, so the gate leaves them out. The
//! cases say so precisely: a ref is named when the host checkout does not keep it (or when
//! it is the branch `HEAD` is on), never otherwise.

use std::path::Path;

use skipper_core::{
    AtRisk, BranchPresence, BranchStart, CommandLine, Ignored, NestedWork, SaveStore, SavedWork,
    UnpushedBranch, UnpushedRef, Workspace, WorkspaceLocation, WorkspaceTarget,
};
use skipper_git::DiskSaves;
use skipper_testkit::{Origin, git};

use crate::{BRANCH, DEFAULT_BRANCH, GIT, Harness, branch_name, chain};

/// The submodule's directory in the origin's default branch ([`Harness::add_submodule`]).
pub const SUBMODULE: &str = "sub";

/// A branch name with an em space (U+2003), which git accepts.
pub const EM_SPACE_BRANCH: &str = "wip\u{2003}x";

/// A branch name with a no-break space (U+00A0), which git accepts.
pub const NO_BREAK_BRANCH: &str = "nb\u{a0}sp";

/// A git identity for commits made by the harness itself.
const ID: [&str; 4] = [
    "-c",
    "user.name=Contract",
    "-c",
    "user.email=contract@example.com",
];

impl Harness {
    /// The save store on the scene's data root.
    pub fn saves(&self) -> DiskSaves {
        DiskSaves::new(skipper_git::Layout::new(self.scene.data_root()))
    }

    /// Saves `workspace`'s work as `remove --force` does: a slot, the sandbox's preserve,
    /// the store's commit. Requires success.
    pub fn save(&self, workspace: &Workspace) -> SavedWork {
        let saves = self.saves();
        let kind = self.sandbox.kind();
        let slot = saves
            .reserve(&workspace.reference, kind)
            .unwrap_or_else(|err| panic!("reserving: {err}"));
        let contents = self
            .sandbox
            .preserve(workspace, &slot)
            .unwrap_or_else(|err| panic!("preserving: {}", chain(&err)));
        saves
            .commit(slot, &workspace.reference, kind, contents)
            .unwrap_or_else(|err| panic!("recording the save: {err}"))
    }

    /// How `restore` makes `branch`'s workspace again: on the local branch when the host
    /// checkout has it, tracking `origin`'s when only the origin has it, else new.
    pub fn restore_start(&self, branch: &str) -> BranchStart {
        match self
            .checkouts
            .branch_presence(&self.checkout, &branch_name(branch))
            .unwrap_or_else(|err| panic!("looking for {branch}: {}", chain(&err)))
        {
            BranchPresence::Local => BranchStart::Existing,
            BranchPresence::Remote => BranchStart::TrackRemote,
            BranchPresence::Absent => BranchStart::NewFromDefault,
        }
    }

    /// Makes `saved`'s workspace again as `restore` does, and puts the work back.
    ///
    /// # Errors
    /// What [`Sandbox::restore`] returns (the workspace is made either way).
    pub fn try_restore(
        &self,
        saved: &SavedWork,
    ) -> (Workspace, Result<(), skipper_core::SandboxError>) {
        let branch = saved.branch.as_str();
        let workspace = self.create(branch, self.restore_start(branch));
        let restored = self.sandbox.restore(&workspace, saved);
        (workspace, restored)
    }

    /// Saves `workspace`, destroys it with force, makes it again and restores the save, as
    /// `remove --force` then `restore` do; returns the save and the new workspace.
    pub fn round_trip(&self, workspace: &Workspace) -> (SavedWork, Workspace) {
        let saved = self.save(workspace);
        self.sandbox
            .destroy(workspace, true)
            .unwrap_or_else(|err| panic!("destroying: {}", chain(&err)));
        assert_eq!(self.locate(&workspace.reference.target), None);
        let (again, restored) = self.try_restore(&saved);
        restored.unwrap_or_else(|err| panic!("restoring: {}", chain(&err)));
        (saved, again)
    }

    /// Whether the host checkout holds `reference` (in full) at `oid`: then the workspace's
    /// removal cannot lose it.
    pub fn kept_by_host(&self, reference: &str, oid: &str) -> bool {
        let output = std::process::Command::new("git")
            .arg("-C")
            .arg(&self.checkout.path)
            .args(["rev-parse", "-q", "--verify", reference])
            .env_remove("GIT_DIR")
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).trim() == oid
    }

    /// The object `reference` names in `workspace`.
    pub fn oid(&self, workspace: &Workspace, reference: &str) -> String {
        self.sh(workspace, &format!("git rev-parse '{reference}'"))
    }

    /// Adds a submodule at [`SUBMODULE`] to the origin's default branch, from a second bare
    /// origin holding one commit on `main`, and refreshes the host checkout. Returns that
    /// origin.
    pub fn add_submodule(&self) -> Origin {
        let dir = self.scene.origin.bare.parent().unwrap().to_path_buf();
        let sub = Origin::new(dir.join("sub.git"), dir.join("sub-seed"), "main");
        sub.commit("main", "lib.txt", "library\n", "library");
        sub.push(&["main"]);
        let seed = &self.scene.origin.seed;
        let mut args = vec!["-c", "protocol.file.allow=always"];
        args.extend(["submodule", "add", "--quiet", &sub.url, SUBMODULE]);
        git(seed, &args);
        git(seed, &["commit", "--quiet", "-m", "add the submodule"]);
        self.scene.origin.push(&[DEFAULT_BRANCH]);
        self.checkouts
            .refresh(&self.checkout)
            .expect("refreshing after adding a submodule");
        sub
    }

    /// Initialises the submodule of [`Harness::add_submodule`] in `workspace`, from a
    /// bundle of `sub` sent in through stdin (a container cannot reach the host's path):
    /// the bundle lives in the workspace's git directory and is the submodule's `origin`.
    pub fn init_submodule(&self, workspace: &Workspace, sub: &Origin) {
        let bundle = sub.bare.with_extension("bundle");
        if !bundle.exists() {
            git(
                &sub.bare,
                &[
                    "bundle",
                    "create",
                    "--quiet",
                    bundle.to_str().unwrap(),
                    "--all",
                ],
            );
        }
        let bytes = fs_err::read(&bundle).unwrap();
        let script = format!(
            "b=\"$(git rev-parse --absolute-git-dir)/sub-origin.bundle\" && cat > \"$b\" && \
             git submodule init {SUBMODULE} >/dev/null 2>&1 && git config submodule.{SUBMODULE}.url \"$b\" && \
             git -c protocol.file.allow=always submodule --quiet update {SUBMODULE}"
        );
        let ran = self
            .run(workspace, &CommandLine::Shell(script), Some(&bytes))
            .unwrap_or_else(|err| panic!("initialising the submodule: {}", chain(&err)));
        assert_eq!(ran.status, 0, "initialising the submodule: {ran:?}");
    }

    /// What a workspace holds, for comparing before a forced removal and after a restore:
    /// refs (remote-tracking and skipper's own aside), `HEAD`, the stash, the status, every
    /// file's checksum (ignored files, named `*.ign` or under `target/`, and `.git` aside)
    /// and the same of the repositories in `sub` and `nested`.
    pub fn fingerprint(&self, workspace: &Workspace) -> String {
        self.sh(workspace, FINGERPRINT)
    }
}

/// The shell of [`Harness::fingerprint`].
const FINGERPRINT: &str = r#"set -e
export LC_ALL=C
state() {
    echo "== refs"; git for-each-ref --format='%(objectname) %(refname)' | { grep -v -e ' refs/remotes/' -e ' refs/skipper/' || true; }
    echo "== HEAD"; git rev-parse -q --verify HEAD || echo none; git symbolic-ref -q HEAD || echo detached
    echo "== stash"; git stash list --format='%H %gs'
    echo "== status"; git status --porcelain=v1 --untracked-files=all
}
state
echo "== files"
find . -name .git -prune -o -path ./target -prune -o -type f ! -name '*.ign' -print | sort |
    while IFS= read -r f; do printf '%s %s\n' "$(cksum < "$f")" "$f"; done
for d in sub nested; do
    if [ -e "$d/.git" ]; then echo "== in $d"; (cd "$d" && state); fi
done"#;

/// The prerequisites of a bundle (commits it needs the repository to have): its header's
/// lines starting with `-`, up to the blank line.
pub fn bundle_prerequisites(bundle: &Path) -> Vec<String> {
    let bytes = fs_err::read(bundle).unwrap();
    let header_end = bytes
        .windows(2)
        .position(|w| w == b"\n\n")
        .expect("a bundle header");
    String::from_utf8_lossy(&bytes[..header_end])
        .lines()
        .filter_map(|line| line.strip_prefix('-'))
        .map(|line| line.split(' ').next().unwrap_or_default().to_owned())
        .collect()
}

/// Refs left under `prefix` in the repository of `workspace`, and in the host checkout.
fn refs_left(h: &Harness, workspace: &Workspace, prefix: &str) -> (String, String) {
    (
        h.sh(workspace, &format!("git for-each-ref '{prefix}'")),
        git(&h.checkout.path, &["for-each-ref", prefix]),
    )
}

// ---------------------------------------------------------------------------------------
// The cases.
// ---------------------------------------------------------------------------------------

/// `preserve` saves the work under the data root, outside the workspace, says what it
/// saved, and changes nothing in the workspace: its bundle holds only what the remote
/// lacks (it needs the origin's commit), and no ref of the save is left behind.
pub fn preserve_saves_to_a_path_that_exists(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    let origin_tip = h.oid(&ws, "HEAD");
    h.sh(
        &ws,
        &format!(
            "printf new > new.txt && git add new.txt && {GIT} commit -q -m unpushed && printf u > untracked.txt"
        ),
    );
    let before = h.at_risk(&ws);
    let saves = h.saves();
    let slot = saves
        .reserve(&ws.reference, h.sandbox().kind())
        .unwrap_or_else(|err| panic!("reserving: {err}"));
    let preserved = h
        .sandbox()
        .preserve(&ws, &slot)
        .unwrap_or_else(|err| panic!("preserving: {}", chain(&err)));
    let bundle = slot.bundle();
    assert!(bundle.exists(), "{} does not exist", bundle.display());
    assert!(
        bundle.starts_with(h.scene().data_root()),
        "{} is not under the data root",
        bundle.display()
    );
    if let WorkspaceLocation::Host(path) = &ws.location {
        assert!(!bundle.starts_with(path), "saved inside the workspace");
    }
    assert!(preserved.worktree.is_some(), "{preserved:?}");
    assert_eq!(
        (preserved.commits, preserved.untracked),
        (1, 1),
        "{preserved:?}"
    );
    assert_eq!(
        bundle_prerequisites(&bundle),
        [origin_tip],
        "the bundle holds only what the remote lacks"
    );
    assert_eq!(h.at_risk(&ws), before);
    assert_eq!(
        refs_left(h, &ws, &slot.ref_prefix()),
        (String::new(), String::new())
    );
}

/// Branches whose names hold an em space or a no-break space, with commits, are named by
/// the gate (the branch `HEAD` is on always; another when the host checkout does not keep
/// it), saved, and back after a restore.
pub fn unicode_branch_names_are_gated_saved_and_restored(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    h.sh(
        &ws,
        &format!(
            "git checkout -q -b '{NO_BREAK_BRANCH}' && printf one > one.txt && git add one.txt && {GIT} commit -q -m one && \
             git checkout -q -b '{EM_SPACE_BRANCH}' && printf two > two.txt && git add two.txt && {GIT} commit -q -m two"
        ),
    );
    let side = h.oid(&ws, &format!("refs/heads/{NO_BREAK_BRANCH}"));
    let tip = h.oid(&ws, "HEAD");
    let mut unpushed = Vec::new();
    if !h.kept_by_host(&format!("refs/heads/{NO_BREAK_BRANCH}"), &side) {
        unpushed.push(UnpushedBranch {
            branch: NO_BREAK_BRANCH.to_owned(),
            commits: 1,
        });
    }
    unpushed.push(UnpushedBranch {
        branch: EM_SPACE_BRANCH.to_owned(),
        commits: 2,
    });
    assert_eq!(
        h.at_risk(&ws),
        AtRisk {
            unpushed,
            ..AtRisk::default()
        }
    );
    let (saved, again) = h.round_trip(&ws);
    assert!(
        saved
            .contents
            .refs
            .iter()
            .any(|r| r.name == format!("refs/heads/{EM_SPACE_BRANCH}") && r.oid == tip),
        "{saved:?}"
    );
    assert_eq!(
        h.sh(&again, "git symbolic-ref HEAD"),
        format!("refs/heads/{EM_SPACE_BRANCH}")
    );
    assert_eq!(h.oid(&again, "HEAD"), tip);
    assert_eq!(
        h.oid(&again, &format!("refs/heads/{NO_BREAK_BRANCH}")),
        side
    );
}

/// Notes added in the workspace are named (`UnpushedRef::Notes`) when the host checkout
/// does not keep them, and are there after a restore.
pub fn notes_are_gated_saved_and_restored(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    h.sh(&ws, &format!("{GIT} notes add -m 'reviewed by me' HEAD"));
    let notes = h.oid(&ws, "refs/notes/commits");
    let expected = if h.kept_by_host("refs/notes/commits", &notes) {
        Vec::new()
    } else {
        vec![UnpushedRef::Notes {
            reference: "refs/notes/commits".to_owned(),
        }]
    };
    assert_eq!(
        h.at_risk(&ws),
        AtRisk {
            other_refs: expected,
            ..AtRisk::default()
        }
    );
    let (_, again) = h.round_trip(&ws);
    assert_eq!(h.sh(&again, "git notes show HEAD"), "reviewed by me");
    assert_eq!(h.oid(&again, "refs/notes/commits"), notes);
}

/// A ref of a tool or a per-worktree ref holding a commit on no remote is named
/// (`UnpushedRef::Other`) when the host checkout does not keep it, and is back after a
/// restore.
pub fn other_refs_are_gated_saved_and_restored(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    let commit = h.sh(
        &ws,
        &format!(
            "c=$({GIT} commit-tree -p HEAD -m 'tool state' 'HEAD^{{tree}}') && \
             git update-ref refs/worktree/tool \"$c\" && git update-ref refs/custom/state \"$c\" && echo \"$c\""
        ),
    );
    let expected = ["refs/custom/state", "refs/worktree/tool"]
        .into_iter()
        .filter(|reference| !h.kept_by_host(reference, &commit))
        .map(|reference| UnpushedRef::Other {
            reference: reference.to_owned(),
        })
        .collect::<Vec<_>>();
    assert!(
        !expected.is_empty(),
        "refs/worktree/* is the workspace's own in every sandbox"
    );
    assert_eq!(
        h.at_risk(&ws),
        AtRisk {
            other_refs: expected,
            ..AtRisk::default()
        }
    );
    let (_, again) = h.round_trip(&ws);
    assert_eq!(h.oid(&again, "refs/worktree/tool"), commit);
    assert_eq!(h.oid(&again, "refs/custom/state"), commit);
}

/// A repository made with `git init` inside the working tree, which status shows only as
/// `nested/`, is gated by its own work (a commit, an untracked file), saved in a bundle of
/// its own and made again by the restore.
pub fn a_nested_repository_is_gated_saved_and_restored(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    h.sh(
        &ws,
        &format!(
            "mkdir nested && cd nested && git init -q -b trunk && printf n > n.txt && git add n.txt && \
             {GIT} commit -q -m nested && printf later > later.txt && \
             git remote add upstream ../upstream.git"
        ),
    );
    assert_eq!(
        h.at_risk(&ws),
        AtRisk {
            nested: vec![NestedWork {
                path: "nested".to_owned(),
                submodule: false,
                risk: AtRisk {
                    untracked: vec!["later.txt".to_owned()],
                    unpushed: vec![UnpushedBranch {
                        branch: "trunk".to_owned(),
                        commits: 1
                    }],
                    ..AtRisk::default()
                },
            }],
            ..AtRisk::default()
        }
    );
    let before = h.fingerprint(&ws);
    let (saved, again) = h.round_trip(&ws);
    assert_eq!(saved.contents.nested.len(), 1, "{saved:?}");
    let nested = &saved.contents.nested[0];
    assert!(saved.dir.join(&nested.bundle).is_file(), "{nested:?}");
    assert_eq!(h.fingerprint(&again), before);
    assert_eq!(h.sh(&again, "cat nested/later.txt"), "later");
    assert_eq!(
        h.sh(&again, "git -C nested remote get-url upstream"),
        "../upstream.git"
    );
}

/// A commit made inside an initialised submodule (status says `modified: sub`) is gated by
/// the submodule's own work, saved in its bundle, and the submodule's repository is back
/// after a restore, without reaching its remote.
pub fn a_submodule_commit_is_gated_saved_and_restored(h: &Harness) {
    let sub = h.add_submodule();
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    h.init_submodule(&ws, &sub);
    assert_eq!(
        h.at_risk(&ws),
        AtRisk::default(),
        "a fresh submodule holds no work"
    );
    h.sh(
        &ws,
        &format!(
            "cd {SUBMODULE} && printf more >> lib.txt && {GIT} commit -q -am 'submodule work' && printf wip > wip.txt"
        ),
    );
    assert_eq!(
        h.at_risk(&ws),
        AtRisk {
            modified: vec![SUBMODULE.to_owned()],
            nested: vec![NestedWork {
                path: SUBMODULE.to_owned(),
                submodule: true,
                risk: AtRisk {
                    untracked: vec!["wip.txt".to_owned()],
                    other_refs: vec![UnpushedRef::DetachedHead { commits: 1 }],
                    ..AtRisk::default()
                },
            }],
            ..AtRisk::default()
        }
    );
    let before = h.fingerprint(&ws);
    let risk = h.at_risk(&ws);
    let (_, again) = h.round_trip(&ws);
    assert_eq!(h.fingerprint(&again), before);
    assert_eq!(h.at_risk(&again), risk);
    assert_eq!(
        h.sh(&again, &format!("git -C {SUBMODULE} log -1 --format=%s")),
        "submodule work"
    );
}

/// Ignored files gate nothing: the gate lists the top-level ignored paths (a directory
/// once) with their size, which removal deletes.
pub fn ignored_files_are_listed_with_their_size_and_gate_nothing(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    h.sh(
        &ws,
        "printf 'target/\\n*.ign\\n' >> \"$(git rev-parse --git-path info/exclude)\" && \
         mkdir -p target/deep && printf 12345678 > target/deep/a.bin && printf 1234 > b.ign",
    );
    let risk = h.at_risk(&ws);
    assert!(risk.is_empty(), "{risk:?}");
    let Ignored { mut paths, bytes } = risk.ignored.clone();
    paths.sort();
    assert_eq!(paths, ["b.ign", "target/"]);
    assert!(bytes >= 12, "{bytes} bytes");
    assert_eq!(
        AtRisk {
            ignored: Ignored::default(),
            ..risk
        },
        AtRisk::default()
    );
}

/// Every kind of work at once, through a forced removal and a restore: the new workspace
/// holds the same files byte for byte (ignored ones aside), the same staged state, branch
/// tip, stash entries, notes and tags, and the gate finds the same work in it.
pub fn a_restore_brings_back_every_kind_of_work(h: &Harness) {
    let sub = h.add_submodule();
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    h.init_submodule(&ws, &sub);
    h.sh(
        &ws,
        &format!(
            "set -e
             printf 'target/\\n*.ign\\n' >> \"$(git rev-parse --git-path info/exclude)\"
             printf one > committed.txt && printf gone > gone.txt && git add committed.txt gone.txt && {GIT} commit -q -m 'on the branch'
             git branch '{NO_BREAK_BRANCH}'
             printf stashed > README.md && {GIT} stash push -q -m 'first stash'
             printf 'stashed again' > README.md && printf u > stashed-untracked.txt && {GIT} stash push -q -u -m 'second stash'
             git tag light 'HEAD~1' && {GIT} tag -a -m 'a release' annotated
             {GIT} notes add -m 'a note' HEAD
             git update-ref refs/worktree/tool HEAD
             printf staged > staged.txt && git add staged.txt && printf 'staged, then changed' > staged.txt
             printf modified > README.md && git rm -q --cached committed.txt && rm gone.txt
             printf untracked > untracked.txt && mkdir -p deep/er && printf deep > deep/er/file.txt
             mkdir -p target && printf lost > target/build.out && printf lost > x.ign
             mkdir nested && (cd nested && git init -q -b trunk && printf n > n.txt && git add n.txt && {GIT} commit -q -m nested && printf n2 > n.txt)
             (cd {SUBMODULE} && printf more >> lib.txt && {GIT} commit -q -am 'submodule work' && printf staged > s.txt && git add s.txt)"
        ),
    );
    let before = h.fingerprint(&ws);
    let risk = h.at_risk(&ws);
    assert!(!risk.is_empty());
    assert_eq!(risk.nested.len(), 2, "{risk:?}");
    let (saved, again) = h.round_trip(&ws);
    assert_eq!(h.fingerprint(&again), before);
    assert_eq!(
        h.at_risk(&again),
        AtRisk {
            ignored: Ignored::default(),
            ..risk
        }
    );
    assert!(saved.contents.unsaved.is_empty(), "{saved:?}");
    assert_eq!(h.sh(&again, "cat staged.txt"), "staged, then changed");
    assert_eq!(
        h.sh(&again, "git show :staged.txt"),
        "staged",
        "the index as it was"
    );
}

/// A restore never loses commits: when the branch moved on the host since the save, with
/// a commit the save lacks, the restore refuses with [`skipper_core::ErrorKind::Conflict`]
/// or leaves that commit where the host keeps it.
pub fn a_restore_never_moves_a_branch_over_commits_the_save_lacks(h: &Harness) {
    let ws = h.create(BRANCH, BranchStart::NewFromDefault);
    h.sh(
        &ws,
        &format!("printf saved > saved.txt && git add saved.txt && {GIT} commit -q -m saved"),
    );
    let saved = h.save(&ws);
    h.sandbox()
        .destroy(&ws, true)
        .unwrap_or_else(|err| panic!("destroying: {}", chain(&err)));
    // The host's branch of that name moves on (or is made) with a commit of its own.
    let host = &h.checkout().path;
    let base = git(
        host,
        &[
            "rev-parse",
            &format!("refs/remotes/origin/{DEFAULT_BRANCH}"),
        ],
    );
    let mut args = ID.to_vec();
    let tree = format!("{base}^{{tree}}");
    args.extend(["commit-tree", "-p", &base, "-m", "the host's own", &tree]);
    let theirs = git(host, &args);
    git(
        host,
        &["update-ref", &format!("refs/heads/{BRANCH}"), &theirs],
    );
    let (again, restored) = h.try_restore(&saved);
    match restored {
        Err(err) => {
            assert_eq!(
                err.kind(),
                skipper_core::ErrorKind::Conflict,
                "{}",
                chain(&err)
            );
            assert!(
                chain(&err).contains(&format!("refs/heads/{BRANCH}")),
                "{}",
                chain(&err)
            );
        }
        Ok(()) => assert_eq!(
            h.oid(&again, "HEAD"),
            saved.contents.head.as_ref().unwrap().oid
        ),
    }
    assert_eq!(
        git(host, &["rev-parse", &format!("refs/heads/{BRANCH}")]),
        theirs,
        "the host's commit is where it was"
    );
    assert!(
        h.locate(&WorkspaceTarget::Branch(branch_name(BRANCH)))
            .is_some()
    );
}
