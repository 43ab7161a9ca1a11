//! The dirty gate of Docker workspaces: what `at_risk` sees in a container (changes, unpushed
//! commits, the stash, a detached HEAD, new tags) and the bundle `preserve` leaves to restore
//! it from.

use skipper_backend_docker::DockerBackend;
use skipper_core::{
    BranchName, BranchStart, Sandbox, UnpushedRef, Workspace, WorkspaceRegistry, WorkspaceTarget,
};

use crate::fixture::{DEFAULT_BRANCH, Fixture, docker_ready, git, sh_ok};

#[test]
fn the_dirty_gate_sees_work_and_preserve_leaves_a_restorable_bundle() {
    if !docker_ready() {
        return;
    }
    let fixture = Fixture::new("dirty");
    let backend = fixture.backend(fixture.shipped_config());
    let feat = backend
        .create(&fixture.branch_request("feat/x", BranchStart::NewFromDefault))
        .unwrap();
    assert!(backend.at_risk(&feat).unwrap().is_empty());

    sh_ok(
        &backend,
        &feat,
        "git -c user.name=A -c user.email=a@b commit -q --allow-empty -m 'unpushed work' && \
         echo changed >> README.md && mkdir notes && echo idea > notes/idea.txt",
    );
    let risk = backend.at_risk(&feat).unwrap();
    assert_eq!(risk.modified, ["README.md"]);
    // Every untracked file by name, as the worktree sandbox lists them.
    assert_eq!(risk.untracked, ["notes/idea.txt"]);
    assert_eq!(risk.unpushed.len(), 1);
    assert_eq!(risk.unpushed[0].branch.as_str(), "feat/x");
    assert_eq!(risk.unpushed[0].commits, 1);

    let preserved = backend.preserve(&feat).unwrap();
    assert!(
        preserved
            .saved_to
            .starts_with(fixture.data_root.join("saved")),
        "{preserved:?}"
    );
    assert!(preserved.saved_to.exists());
    assert_eq!(preserved.contents.len(), 2, "{preserved:?}");
    assert!(preserved.restore_hint.contains("refs/sk-restored/"));
    // Preserving changed nothing in the workspace.
    assert_eq!(backend.at_risk(&feat).unwrap(), risk);
    backend.destroy(&feat, false).unwrap();
    assert!(
        backend
            .locate(
                &fixture.checkout,
                &WorkspaceTarget::Branch(BranchName::new("feat/x").unwrap())
            )
            .unwrap()
            .is_none()
    );

    // Restore into the host checkout, as the hint says.
    let host = &fixture.checkout.path;
    git(
        host,
        &[
            "fetch",
            "-q",
            preserved.saved_to.to_str().unwrap(),
            "refs/*:refs/sk-restored/*",
        ],
    );
    assert_eq!(
        git(
            host,
            &["log", "-1", "--format=%s", "refs/sk-restored/heads/feat/x"]
        ),
        "unpushed work"
    );
    let saved = git(
        host,
        &[
            "for-each-ref",
            "--format=%(refname)",
            "refs/sk-restored/skipper/saved/",
        ],
    );
    assert_eq!(saved.lines().count(), 1, "{saved}");
    assert_eq!(
        git(host, &["show", &format!("{saved}:notes/idea.txt")]),
        "idea"
    );
    assert!(git(host, &["show", &format!("{saved}:README.md")]).ends_with("changed"));
    assert_eq!(
        git(host, &["rev-parse", &format!("{saved}^")]),
        git(host, &["rev-parse", "refs/sk-restored/heads/feat/x"])
    );
}

/// A git identity for commands in the container.
const ID: &str = "git -c user.name=A -c user.email=a@b";

/// Two stash entries in `feat`.
fn stash_twice(backend: &DockerBackend, feat: &Workspace) {
    sh_ok(
        backend,
        feat,
        &format!(
            "echo 'change one' >> README.md && {ID} stash -q && \
             echo 'change two' >> README.md && {ID} stash -q"
        ),
    );
}

/// A commit on a detached HEAD in `feat`.
fn commit_on_a_detached_head(backend: &DockerBackend, feat: &Workspace) {
    sh_ok(
        backend,
        feat,
        &format!("git checkout -q --detach && {ID} commit -q --allow-empty -m 'detached work'"),
    );
}

/// Two tags on the pushed head of the default branch, a lightweight one and an annotated
/// one; returns that commit.
fn tag_a_pushed_commit(fixture: &Fixture, backend: &DockerBackend, feat: &Workspace) -> String {
    let host = &fixture.checkout.path;
    let pushed = git(host, &["rev-parse", &format!("origin/{DEFAULT_BRANCH}")]);
    sh_ok(
        backend,
        feat,
        &format!("git tag v9 {pushed} && {ID} tag -a -m 'release notes' v10 {pushed}"),
    );
    pushed
}

/// A fixture whose host checkout has a stash of its own (packed), and its stash list.
fn with_a_host_stash(test: &str) -> (Fixture, String) {
    let fixture = Fixture::new(test);
    let host = &fixture.checkout.path;
    // The host's own stash, packed: it is the host's, never a workspace's.
    fs_err::write(host.join("README.md"), "host change\n").unwrap();
    git(host, &["stash", "-q"]);
    git(host, &["pack-refs", "--all"]);
    let host_stash = git(host, &["stash", "list"]);
    (fixture, host_stash)
}

#[test]
fn the_dirty_gate_sees_the_stash_a_detached_head_and_new_tags() {
    if !docker_ready() {
        return;
    }
    let (fixture, host_stash) = with_a_host_stash("refs");
    let host = &fixture.checkout.path;
    let backend = fixture.backend(fixture.shipped_config());
    let feat = backend
        .create(&fixture.branch_request("feat/x", BranchStart::NewFromDefault))
        .unwrap();
    assert_eq!(sh_ok(&backend, &feat, "git stash list"), "");
    assert_eq!(sh_ok(&backend, &feat, "git tag"), "v0.1");
    assert!(backend.at_risk(&feat).unwrap().is_empty());
    assert_eq!(git(host, &["stash", "list"]), host_stash);

    // Two stash entries, then a commit on a detached HEAD, then two tags on a pushed commit:
    // a lightweight one and an annotated one.
    stash_twice(&backend, &feat);
    let risk = backend.at_risk(&feat).unwrap();
    assert_eq!(
        risk.other_refs,
        [UnpushedRef::Stash { entries: 2 }],
        "{risk:?}"
    );
    assert!(
        risk.modified.is_empty() && risk.untracked.is_empty() && risk.unpushed.is_empty(),
        "{risk:?}"
    );
    commit_on_a_detached_head(&backend, &feat);
    assert_eq!(
        backend.at_risk(&feat).unwrap().other_refs[1],
        UnpushedRef::DetachedHead { commits: 1 }
    );
    tag_a_pushed_commit(&fixture, &backend, &feat);
    let risk = backend.at_risk(&feat).unwrap();
    assert_eq!(
        risk.other_refs,
        [
            UnpushedRef::Stash { entries: 2 },
            UnpushedRef::DetachedHead { commits: 1 },
            UnpushedRef::Tag { name: "v10".into() },
            UnpushedRef::Tag { name: "v9".into() },
        ]
    );
    assert!(
        risk.untracked.is_empty() && risk.unpushed.is_empty(),
        "{risk:?}"
    );
}

#[test]
fn preserve_saves_the_stash_the_detached_head_and_the_tags_to_restore_on_the_host() {
    if !docker_ready() {
        return;
    }
    let (fixture, host_stash) = with_a_host_stash("refsaved");
    let host = &fixture.checkout.path;
    let backend = fixture.backend(fixture.shipped_config());
    let feat = backend
        .create(&fixture.branch_request("feat/x", BranchStart::NewFromDefault))
        .unwrap();
    stash_twice(&backend, &feat);
    commit_on_a_detached_head(&backend, &feat);
    let pushed = tag_a_pushed_commit(&fixture, &backend, &feat);
    let risk = backend.at_risk(&feat).unwrap();

    let preserved = backend.preserve(&feat).unwrap();
    assert_eq!(preserved.contents.len(), 4, "{preserved:?}");
    assert!(preserved.contents[0].starts_with("the stash (2 entr(ies))"));
    assert!(preserved.contents[1].starts_with("detached HEAD (1 commit(s) on no branch)"));
    assert_eq!(preserved.contents[2], "tag v10");
    assert!(preserved.contents[3].starts_with("tag v9 (a lightweight tag on a pushed commit)"));
    // The bundle was renamed into place once complete: no part file is left beside it.
    let saved_dir = preserved.saved_to.parent().unwrap();
    let names: Vec<String> = fs_err::read_dir(saved_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].ends_with(".bundle"), "{names:?}");
    assert_eq!(backend.at_risk(&feat).unwrap(), risk);

    // Restore into the host checkout, as the hint says.
    let bundle = preserved.saved_to.to_str().unwrap();
    git(host, &["bundle", "verify", "-q", bundle]);
    git(host, &["fetch", "-q", bundle, "refs/*:refs/sk-restored/*"]);
    let restored = |pattern: &str| {
        let found = git(
            host,
            &["for-each-ref", "--format=%(refname)", "refs/sk-restored/"],
        );
        found
            .lines()
            .find(|name| name.contains(pattern))
            .unwrap_or_else(|| panic!("{pattern} missing from {found}"))
            .to_owned()
    };
    let stash = restored("/stash-");
    let (newest, oldest) = (stash.replace("/1", "/0"), stash.replace("/0", "/1"));
    assert!(git(host, &["show", &format!("{newest}:README.md")]).ends_with("change two"));
    assert!(git(host, &["show", &format!("{oldest}:README.md")]).ends_with("change one"));
    assert_eq!(
        git(host, &["rev-parse", "refs/sk-restored/stash"]),
        git(host, &["rev-parse", &newest])
    );
    assert_eq!(
        git(host, &["log", "-1", "--format=%s", &restored("/detached-")]),
        "detached work"
    );
    assert_eq!(
        git(host, &["cat-file", "-t", "refs/sk-restored/tags/v10"]),
        "tag"
    );
    assert_eq!(
        git(host, &["rev-parse", "refs/sk-restored/tags/v10^{}"]),
        pushed
    );
    let v9 = restored("/tag-");
    assert!(v9.ends_with("/v9"), "{v9}");
    assert_eq!(git(host, &["rev-parse", &format!("{v9}^{{}}")]), pushed);
    // The host's own stash is untouched.
    assert_eq!(git(host, &["stash", "list"]), host_stash);
}
