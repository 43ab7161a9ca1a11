//! The in-process clean proof against the gate script, state by state: in every repository
//! state below, of a worktree (worktree policy) and of the host checkout it belongs to
//! (nested policy, as `list` looks at the main workspace), the proof says clean only when
//! the gate finds nothing at all; and where the gate finds nothing in a plain state, the
//! proof does say clean, so that `list` does not run the script there.

// A failed step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use skipper_core::AtRisk;
use skipper_git::{HostScripts, Policy, clean_proof, gate};
use skipper_testkit::{Origin, TempHome, git};

/// A host checkout of a fresh origin (default branch `main`, two files) and a worktree of
/// it on `feat/x`, under a temporary home.
struct Repos {
    home: TempHome,
    origin: String,
    checkout: PathBuf,
    worktree: PathBuf,
}

fn repos() -> Repos {
    let home = TempHome::new();
    let origin = Origin::new(
        home.root().join("origin.git"),
        home.root().join("seed"),
        "main",
    );
    origin.push_commit("main", "README.md", "hello\n");
    origin.push_commit("main", "lib.txt", "lib\n");
    let checkout = home.root().join("checkout");
    git(
        home.root(),
        &["clone", "-q", &origin.url, checkout.to_str().unwrap()],
    );
    let worktree = home.root().join("worktree");
    git(
        &checkout,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "feat/x",
            worktree.to_str().unwrap(),
        ],
    );
    Repos {
        home,
        origin: origin.url,
        checkout,
        worktree,
    }
}

fn sh(dir: &Path, script: &str) {
    let status = std::process::Command::new("sh")
        .args(["-euc", script])
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", "2020-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2020-01-01T00:00:00Z")
        .status()
        .unwrap();
    assert!(status.success(), "{script}");
}

/// Where a state is made.
#[derive(Debug, Clone, Copy)]
enum In {
    Worktree,
    Checkout,
}

/// A repository state: its name, where its script runs, and whether the proof must say
/// clean in the worktree (`Some(true)`), must not (`Some(false)`), or may say either as long
/// as it agrees with the gate (`None`).
struct State {
    name: &'static str,
    place: In,
    script: &'static str,
    worktree_proven: Option<bool>,
}

const fn state(
    name: &'static str,
    place: In,
    script: &'static str,
    worktree_proven: Option<bool>,
) -> State {
    State {
        name,
        place,
        script,
        worktree_proven,
    }
}

const STATES: &[State] = &[
    state("fresh", In::Worktree, "true", Some(true)),
    state("untracked", In::Worktree, "echo x > new.txt", Some(false)),
    state(
        "untracked in a new directory",
        In::Worktree,
        "mkdir -p a/b && echo x > a/b/new.txt",
        Some(false),
    ),
    state(
        "staged new file",
        In::Worktree,
        "echo x > new.txt && git add new.txt",
        Some(false),
    ),
    state(
        "modified",
        In::Worktree,
        "echo more >> README.md",
        Some(false),
    ),
    state(
        "modified, same size and time",
        In::Worktree,
        "t=$(git rev-parse --git-dir)/reftime && touch -r README.md \"$t\" && printf 'HELLO\\n' > README.md && touch -r \"$t\" README.md",
        Some(false),
    ),
    // Racily clean: the index was written in the same instant as the file was last changed,
    // so its stat data (ctime aside, which this repository does not trust) cannot tell.
    state(
        "modified, same size and time as the index",
        In::Worktree,
        "git config core.trustctime false && i=$(git rev-parse --git-path index) && t='2020-01-01 00:00:00.123456789' && touch -d \"$t\" README.md && git update-index -q --refresh && touch -d \"$t\" \"$i\" && printf 'HELLO\\n' > README.md && touch -d \"$t\" README.md",
        Some(false),
    ),
    state("deleted", In::Worktree, "rm README.md", Some(false)),
    state(
        "deleted from the index",
        In::Worktree,
        "git rm -q --cached README.md",
        Some(false),
    ),
    state(
        "renamed",
        In::Worktree,
        "git mv README.md READ.md",
        Some(false),
    ),
    state(
        "staged, then undone in the working tree",
        In::Worktree,
        "echo more >> README.md && git add README.md && git checkout HEAD -- README.md && git reset -q README.md && echo more >> README.md && git add README.md && printf 'hello\\n' > README.md",
        Some(false),
    ),
    state(
        "executable bit",
        In::Worktree,
        "chmod +x README.md",
        Some(false),
    ),
    state(
        "intent to add",
        In::Worktree,
        "echo x > new.txt && git add -N new.txt",
        Some(false),
    ),
    state(
        "assume-unchanged and modified",
        In::Worktree,
        "git update-index --assume-unchanged README.md && echo more >> README.md",
        None,
    ),
    state(
        "skip-worktree",
        In::Worktree,
        "git update-index --skip-worktree README.md && rm README.md",
        Some(false),
    ),
    state(
        "committed, not pushed",
        In::Worktree,
        "echo more >> README.md && git commit -qam more",
        Some(false),
    ),
    state(
        "committed and pushed",
        In::Worktree,
        "echo more >> README.md && git commit -qam more && git push -q origin feat/x",
        Some(true),
    ),
    state(
        "committed, pushed, then one more commit",
        In::Worktree,
        "echo more >> README.md && git commit -qam more && git push -q origin feat/x && \
         echo again >> README.md && git commit -qam again",
        Some(false),
    ),
    state(
        "behind its remote branch",
        In::Worktree,
        "echo more >> README.md && git commit -qam more && git push -q origin feat/x && git reset -q --hard HEAD~1",
        None,
    ),
    state(
        "detached at a pushed commit",
        In::Worktree,
        "git checkout -q --detach",
        None,
    ),
    state(
        "detached with a new commit",
        In::Worktree,
        "git checkout -q --detach && git commit -q --allow-empty -m new",
        Some(false),
    ),
    state(
        "on another branch, nothing new",
        In::Worktree,
        "git switch -q -c other",
        Some(true),
    ),
    state(
        "on another branch with a commit",
        In::Worktree,
        "git switch -q -c other && git commit -q --allow-empty -m new",
        Some(false),
    ),
    state(
        "the workspace's branch moved while on another",
        In::Worktree,
        "git switch -q -c other && git commit -q --allow-empty -m new && git branch -f feat/x HEAD && git reset -q --hard origin/main",
        Some(false),
    ),
    state(
        "stash",
        In::Worktree,
        "echo more >> README.md && git stash -q",
        None,
    ),
    // The index still says (its `TREE` extension valid) it holds the tree of the commit
    // undone, not `HEAD`'s.
    state(
        "staged by moving HEAD back",
        In::Worktree,
        "echo more >> README.md && git commit -qam more && git push -q origin feat/x && git reset -q --soft HEAD~1",
        Some(false),
    ),
    state(
        "annotated tag on a pushed commit, in the checkout",
        In::Checkout,
        "git tag -a -m v1 v1",
        None,
    ),
    state(
        "lightweight tag on a pushed commit",
        In::Worktree,
        "git tag v1",
        None,
    ),
    state(
        "annotated tag on a new commit",
        In::Worktree,
        "git commit -q --allow-empty -m new && git tag -a -m v2 v2 && git reset -q --hard origin/main",
        None,
    ),
    state("notes", In::Worktree, "git notes add -m note HEAD", None),
    state(
        "a per-worktree ref at a pushed commit",
        In::Worktree,
        "git update-ref refs/worktree/keep HEAD",
        None,
    ),
    state(
        "a per-worktree ref with a new commit",
        In::Worktree,
        "git update-ref refs/worktree/keep $(git commit-tree -m new HEAD^{tree})",
        Some(false),
    ),
    state(
        "a bisect ref",
        In::Worktree,
        "git update-ref refs/bisect/bad $(git commit-tree -m new HEAD^{tree})",
        Some(false),
    ),
    state(
        "ignored files only",
        In::Worktree,
        "echo '*.log' >> \"$(git rev-parse --git-common-dir)/info/exclude\" && echo x > x.log && mkdir -p build && echo y > build/y.log",
        Some(true),
    ),
    state(
        "an empty directory",
        In::Worktree,
        "mkdir -p empty/dir",
        None,
    ),
    state(
        "a nested repository",
        In::Worktree,
        "git init -q inner && git -C inner commit -q --allow-empty -m inner",
        Some(false),
    ),
    state(
        "an empty nested repository",
        In::Worktree,
        "git init -q inner",
        Some(false),
    ),
    state(
        "a submodule, committed and pushed",
        In::Worktree,
        "git -c protocol.file.allow=always submodule -q add \"$ORIGIN\" sub && git commit -qm sub && git push -q origin feat/x",
        Some(false),
    ),
    state(
        "a conflict",
        In::Worktree,
        "git switch -q -c side && echo side > README.md && git commit -qam side && git switch -q feat/x && \
         echo mine > README.md && git commit -qam mine && { git merge -q side >/dev/null 2>&1 || true; }",
        Some(false),
    ),
    state(
        "a local branch of the checkout",
        In::Checkout,
        "git branch local && git switch -q local && git commit -q --allow-empty -m local && git switch -q main",
        Some(true),
    ),
    state(
        "a stash of the checkout",
        In::Checkout,
        "echo more >> README.md && git stash -q",
        Some(true),
    ),
    state(
        "the checkout detached",
        In::Checkout,
        "git checkout -q --detach",
        Some(true),
    ),
    state(
        "an untracked file in the checkout",
        In::Checkout,
        "echo x > new.txt",
        Some(true),
    ),
];

fn gate_risk(dir: &Path, policy: &Policy) -> Option<AtRisk> {
    gate::at_risk_unmeasured(&HostScripts::in_dir(dir), policy).ok()
}

#[test]
fn the_proof_says_clean_only_where_the_gate_finds_nothing() {
    let mut wrong = Vec::new();
    for state in STATES {
        let repos = repos();
        let dir = match state.place {
            In::Worktree => &repos.worktree,
            In::Checkout => &repos.checkout,
        };
        // The script's own failures (a conflict's merge) are part of the state.
        let script = format!("ORIGIN='{}'; {}", repos.origin, state.script);
        sh(dir, &script);
        let looks = [
            (
                "worktree",
                &repos.worktree,
                Policy::Worktree {
                    branch: Some("feat/x".to_owned()),
                },
            ),
            ("checkout", &repos.checkout, Policy::Nested),
        ];
        for (which, dir, policy) in looks {
            let proven = clean_proof::proven_clean(dir, &policy);
            let risk = gate_risk(dir, &policy);
            let gate_clean = risk.as_ref() == Some(&AtRisk::default());
            if proven && !gate_clean {
                wrong.push(format!(
                    "{}: the {which} proven clean, the gate found {risk:?}",
                    state.name
                ));
            }
            if which == "worktree"
                && let Some(expected) = state.worktree_proven
                && expected != proven
            {
                wrong.push(format!(
                    "{}: the worktree proven clean: {proven}, expected {expected} (the gate: {risk:?})",
                    state.name
                ));
            }
        }
        drop(repos.home);
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_fresh_checkout_and_its_worktree_are_proven_clean() {
    let repos = repos();
    assert!(clean_proof::proven_clean(&repos.checkout, &Policy::Nested));
    let policy = Policy::Worktree {
        branch: Some("feat/x".to_owned()),
    };
    assert!(clean_proof::proven_clean(&repos.worktree, &policy));
    assert!(!clean_proof::proven_clean(
        &repos.worktree,
        &Policy::Container
    ));
    assert!(!clean_proof::proven_clean(
        &repos.home.root().join("nowhere"),
        &policy
    ));
    // A directory inside the working tree is not its top: the gate would run there.
    let inside = repos.worktree.join("empty");
    fs_err::create_dir(&inside).unwrap();
    assert!(!clean_proof::proven_clean(&inside, &policy));
    assert!(clean_proof::proven_clean(&repos.worktree, &policy));
}

/// Gives every tracked file of the working tree at `dir`, and its index, the time `at` (a
/// `touch -d` date): each entry is then racily clean, its file as new as the index, and
/// only its contents can tell it unchanged. Returns the index's path.
fn make_racy(dir: &Path, at: &str) -> PathBuf {
    sh(
        dir,
        &format!(
            "t='{at}' && git ls-files -z | xargs -0 touch -d \"$t\" && git update-index -q --refresh && touch -d \"$t\" \"$(git rev-parse --git-path index)\""
        ),
    );
    PathBuf::from(
        git(
            dir,
            &["rev-parse", "--path-format=absolute", "--git-path", "index"],
        )
        .trim(),
    )
}

fn modified(path: &Path) -> std::time::SystemTime {
    fs_err::metadata(path).unwrap().modified().unwrap()
}

/// Returns once the file system's clock has moved past the last change of `path` (touched
/// after every file of its working tree): a file written now gets a later time. The proof
/// writes back only stat data from before its look began.
fn until_the_clock_passes(path: &Path) {
    use std::os::unix::fs::MetadataExt;
    let changed = fs_err::metadata(path).unwrap();
    let changed = (changed.ctime(), changed.ctime_nsec());
    let probe = path.with_extension("probe");
    loop {
        fs_err::write(&probe, "").unwrap();
        let now = fs_err::metadata(&probe).unwrap();
        if (now.mtime(), now.mtime_nsec()) > changed {
            break;
        }
    }
    fs_err::remove_file(&probe).unwrap();
}

/// As `git status` does, a proof that had to read racily clean files to find them unchanged
/// writes their stat data back: the index then is newer than they are, holds the same
/// entries and tree, and git finds nothing either.
#[test]
fn a_racily_clean_index_is_written_back_once_proven_clean() {
    let repos = repos();
    let policy = Policy::Worktree {
        branch: Some("feat/x".to_owned()),
    };
    let index = make_racy(&repos.worktree, "2020-01-01 00:00:00");
    until_the_clock_passes(&index);
    let racy = modified(&index);
    let entries = git(&repos.worktree, &["ls-files", "--stage"]);
    assert!(clean_proof::proven_clean(&repos.worktree, &policy));
    assert!(modified(&index) > racy, "the index was not written back");
    assert_eq!(git(&repos.worktree, &["ls-files", "--stage"]), entries);
    assert_eq!(git(&repos.worktree, &["status", "--porcelain"]), "");
    // Its TREE extension kept: the tree git writes from it is HEAD's, without rebuilding.
    assert_eq!(
        git(&repos.worktree, &["write-tree"]),
        git(&repos.worktree, &["rev-parse", "HEAD^{tree}"])
    );
    assert!(!index.with_extension("lock").exists());
    assert!(clean_proof::proven_clean(&repos.worktree, &policy));
}

/// The index is not written back while git holds its lock (the lock is not touched), nor
/// with stat data from after the look began (a file could change again within the same
/// tick of the clock and keep it): the proof still says clean.
#[test]
fn a_locked_index_or_recent_stat_data_is_left_as_it_is() {
    let repos = repos();
    let policy = Policy::Worktree {
        branch: Some("feat/x".to_owned()),
    };
    let index = make_racy(&repos.worktree, "2020-01-01 00:00:00");
    until_the_clock_passes(&index);
    let racy = modified(&index);
    let lock = index.with_extension("lock");
    fs_err::write(&lock, "held by git").unwrap();
    assert!(clean_proof::proven_clean(&repos.worktree, &policy));
    assert_eq!(modified(&index), racy);
    assert_eq!(fs_err::read_to_string(&lock).unwrap(), "held by git");
    fs_err::remove_file(&lock).unwrap();

    // Files and index an hour ahead of the clock: never settled, whatever the machine's speed.
    let index = make_racy(&repos.worktree, "now + 1 hour");
    let ahead = modified(&index);
    assert!(clean_proof::proven_clean(&repos.worktree, &policy));
    assert_eq!(modified(&index), ahead);
}
