//! Labels: the source of truth for which container is which workspace. Every resource the
//! backend makes carries labels in the `dev.skipper.` namespace; lookups and listings filter
//! on them, and a container found by name is adopted only when they match.

use std::collections::HashMap;
use std::hash::BuildHasher;

use skipper_core::{
    BranchName, NetworkMode, NetworkPolicy, RepositoryId, WorkspaceRef, WorkspaceTarget,
};

/// The label namespace.
pub const PREFIX: &str = "dev.skipper.";
/// `true` on everything skipper made.
pub const MANAGED: &str = "dev.skipper.managed";
/// The repository's identity, [`RepositoryId::key`].
pub const REPOSITORY: &str = "dev.skipper.repository";
/// The workspace's branch; empty for the main workspace.
pub const BRANCH: &str = "dev.skipper.branch";
/// `main` or `branch`; only workspace containers carry it.
pub const WORKSPACE: &str = "dev.skipper.workspace";
/// The workspace image's hash (the suffix of its `skipper-workspace:<hash>` tag).
pub const IMAGE_HASH: &str = "dev.skipper.image-hash";
/// A fingerprint of the data root that made the resource: two data roots (two users, or a
/// test beside real use) on one daemon never see each other's workspaces.
pub const DATA_ROOT: &str = "dev.skipper.data-root";
/// The label schema's version.
pub const SCHEMA: &str = "dev.skipper.schema";
/// The host ports given to a workspace container, space-separated (`SK_PORT` first); each
/// is published on `127.0.0.1` under the same number. Absent on a container made before
/// workspaces were given ports.
pub const PORTS: &str = "dev.skipper.ports";
/// The OCI runtime a workspace container was made to run under (`runsc`...), as asked for;
/// absent when it runs under the daemon's default.
pub const RUNTIME: &str = "dev.skipper.runtime";
/// What a resource is for: `workspace`, `snapshot-builder`, `repository-snapshot`, `image`,
/// `egress-proxy`, `egress-rules`, `egress-network`, `proxy-image`.
pub const ROLE: &str = "dev.skipper.role";
/// A workspace container's network mode (`bridge`, `none`, `allow`), fixed when it was
/// made. Absent on a container made before network policies: it is on the bridge.
pub const NETWORK: &str = "dev.skipper.network";
/// An `allow` workspace's allow list, space-separated entries (`host`, `host:port`).
pub const NETWORK_ALLOW: &str = "dev.skipper.network-allow";
/// On an egress proxy made by an `sk` before the proxy was shared (one per workspace): the
/// workspace container it served. `sk gc` removes such proxies.
pub const PROXY_FOR: &str = "dev.skipper.proxy-for";
/// On a data root's egress proxy: a fingerprint of its command.
pub const PROXY_CONFIG: &str = "dev.skipper.proxy-config";

/// The current label schema.
pub const SCHEMA_VERSION: &str = "1";

/// Role of a workspace container.
pub const ROLE_WORKSPACE: &str = "workspace";
/// Role of the short-lived container a repository snapshot is committed from.
pub const ROLE_SNAPSHOT_BUILDER: &str = "snapshot-builder";
/// Role of a repository snapshot image.
pub const ROLE_SNAPSHOT: &str = "repository-snapshot";
/// Role of a workspace image built from a Dockerfile.
pub const ROLE_IMAGE: &str = "image";
/// Role of a data root's egress proxy container, shared by its `allow` workspaces.
pub const ROLE_EGRESS_PROXY: &str = "egress-proxy";
/// Role of the volume of the egress proxy's rules.
pub const ROLE_EGRESS_RULES: &str = "egress-rules";
/// Role of a data root's internal network for `allow` workspaces.
pub const ROLE_EGRESS_NETWORK: &str = "egress-network";
/// Role of the egress proxy's image.
pub const ROLE_PROXY_IMAGE: &str = "proxy-image";

/// The labels of a workspace container given `ports` (no [`PORTS`] label when none).
#[must_use]
pub fn workspace_labels(
    reference: &WorkspaceRef,
    image_hash: &str,
    namespace: &str,
    ports: &[u16],
) -> HashMap<String, String> {
    let (kind, branch) = target_values(&reference.target);
    let mut labels = HashMap::from([
        (MANAGED.to_owned(), "true".to_owned()),
        (DATA_ROOT.to_owned(), namespace.to_owned()),
        (REPOSITORY.to_owned(), reference.repository.key()),
        (BRANCH.to_owned(), branch),
        (WORKSPACE.to_owned(), kind.to_owned()),
        (IMAGE_HASH.to_owned(), image_hash.to_owned()),
        (SCHEMA.to_owned(), SCHEMA_VERSION.to_owned()),
        (ROLE.to_owned(), ROLE_WORKSPACE.to_owned()),
    ]);
    if !ports.is_empty() {
        labels.insert(PORTS.to_owned(), skipper_core::format_ports(ports));
    }
    labels
}

/// The runtime a container's labels say it was made to run under; `None`: the daemon's
/// default.
#[must_use]
pub fn runtime_from_labels<S: BuildHasher>(labels: &HashMap<String, String, S>) -> Option<String> {
    labels.get(RUNTIME).filter(|name| !name.is_empty()).cloned()
}

/// The labels recording `policy` on a workspace container (the allow list only in allow
/// mode).
#[must_use]
pub fn network_labels(policy: &NetworkPolicy) -> HashMap<String, String> {
    let mut labels = HashMap::from([(NETWORK.to_owned(), policy.mode.as_str().to_owned())]);
    if policy.mode == NetworkMode::Allow {
        labels.insert(NETWORK_ALLOW.to_owned(), policy.allow_text());
    }
    labels
}

/// The policy a workspace container's labels record: bridge without a [`NETWORK`] label
/// (made before network policies); `None` when the labels cannot be read.
#[must_use]
pub fn network_from_labels<S: BuildHasher>(
    labels: &HashMap<String, String, S>,
) -> Option<NetworkPolicy> {
    match labels.get(NETWORK) {
        None => Some(NetworkPolicy::default()),
        Some(mode) => {
            NetworkPolicy::from_parts(mode, labels.get(NETWORK_ALLOW).map_or("", String::as_str))
        }
    }
}

/// The ports a container's labels say it was given: none without a [`PORTS`] label (or
/// with one that holds no ports).
#[must_use]
pub fn ports_from_labels<S: BuildHasher>(labels: &HashMap<String, String, S>) -> Vec<u16> {
    labels
        .get(PORTS)
        .and_then(|text| skipper_core::parse_ports(text))
        .unwrap_or_default()
}

/// The `label` filters that find every workspace container given ports, whatever data
/// root made it: the host's ports are shared by them all.
#[must_use]
pub fn all_with_ports_filter() -> HashMap<String, Vec<String>> {
    HashMap::from([(
        "label".to_owned(),
        vec![format!("{MANAGED}=true"), PORTS.to_owned()],
    )])
}

/// The labels shared by a repository's snapshot builder and snapshot image.
#[must_use]
pub fn repository_labels(
    repository: &RepositoryId,
    role: &str,
    namespace: &str,
) -> HashMap<String, String> {
    HashMap::from([
        (MANAGED.to_owned(), "true".to_owned()),
        (DATA_ROOT.to_owned(), namespace.to_owned()),
        (REPOSITORY.to_owned(), repository.key()),
        (SCHEMA.to_owned(), SCHEMA_VERSION.to_owned()),
        (ROLE.to_owned(), role.to_owned()),
    ])
}

/// The `label` filters that find exactly the container of `reference`.
#[must_use]
pub fn workspace_filter(reference: &WorkspaceRef, namespace: &str) -> HashMap<String, Vec<String>> {
    let (kind, branch) = target_values(&reference.target);
    HashMap::from([(
        "label".to_owned(),
        vec![
            format!("{MANAGED}=true"),
            format!("{DATA_ROOT}={namespace}"),
            format!("{REPOSITORY}={}", reference.repository.key()),
            format!("{WORKSPACE}={kind}"),
            format!("{BRANCH}={branch}"),
        ],
    )])
}

/// The `label` filters that find every workspace container, running or not.
#[must_use]
pub fn all_workspaces_filter(namespace: &str) -> HashMap<String, Vec<String>> {
    HashMap::from([(
        "label".to_owned(),
        vec![
            format!("{MANAGED}=true"),
            format!("{DATA_ROOT}={namespace}"),
            WORKSPACE.to_owned(),
        ],
    )])
}

/// The `label` filters that find `repository`'s resources of `role` in `namespace`.
#[must_use]
pub fn repository_filter(
    repository: &RepositoryId,
    role: &str,
    namespace: &str,
) -> HashMap<String, Vec<String>> {
    HashMap::from([(
        "label".to_owned(),
        vec![
            format!("{MANAGED}=true"),
            format!("{DATA_ROOT}={namespace}"),
            format!("{REPOSITORY}={}", repository.key()),
            format!("{ROLE}={role}"),
        ],
    )])
}

/// Whether `labels` are those of `reference`'s container.
#[must_use]
pub fn labels_match<S: BuildHasher>(
    labels: &HashMap<String, String, S>,
    reference: &WorkspaceRef,
    namespace: &str,
) -> bool {
    let (kind, branch) = target_values(&reference.target);
    let is = |key: &str, value: &str| labels.get(key).is_some_and(|v| v == value);
    is(MANAGED, "true")
        && is(DATA_ROOT, namespace)
        && is(REPOSITORY, &reference.repository.key())
        && is(WORKSPACE, kind)
        && is(BRANCH, &branch)
}

/// The workspace target a container's labels describe, or `None` when they describe none.
#[must_use]
pub fn target_from_labels<S: BuildHasher>(
    labels: &HashMap<String, String, S>,
) -> Option<WorkspaceTarget> {
    if labels.get(MANAGED).map(String::as_str) != Some("true") {
        return None;
    }
    match labels.get(WORKSPACE).map(String::as_str) {
        Some("main") => Some(WorkspaceTarget::Main),
        Some("branch") => labels
            .get(BRANCH)
            .and_then(|branch| BranchName::from_git(branch).ok())
            .map(WorkspaceTarget::Branch),
        _ => None,
    }
}

fn target_values(target: &WorkspaceTarget) -> (&'static str, String) {
    match target {
        WorkspaceTarget::Main => ("main", String::new()),
        WorkspaceTarget::Branch(branch) => ("branch", branch.to_string()),
    }
}

/// `labels` as the Dockerfile instructions of a commit's `changes`, one `LABEL key="value"`
/// a line, sorted: the one way to label a committed image that both engines honour. Docker
/// takes the labels of the commit's container configuration too, but Podman (4.3) ignores
/// that configuration and keeps the container's labels, so a snapshot committed there would
/// carry its builder's role and no image hash. Podman reads a line as `LABEL key=value`,
/// dropping the quotes around the value and unescaping nothing: a value's `"` and `\` are
/// escaped for Docker alone, which is no matter, as skipper's label values (its names and
/// hashes) hold neither.
#[must_use]
pub fn commit_changes<S: BuildHasher>(labels: &HashMap<String, String, S>) -> String {
    let mut lines: Vec<String> = labels
        .iter()
        .map(|(key, value)| {
            let value = value.replace('\\', "\\\\").replace('"', "\\\"");
            format!("LABEL {key}=\"{value}\"")
        })
        .collect();
    lines.sort();
    lines.join("\n")
}

/// `filters` split for an image listing: the request's filters with one `label` filter
/// left (the repository's when there is one, else the role's, else the first), and the
/// label filters taken out, for [`has_labels`] to check on the answer. Podman (4.3)
/// answers an image listing given two `label` filters or more with no image at all (its
/// container listing takes them all, as Docker's does), so every image listing asks with
/// one and checks the others itself: the same answer on both engines.
#[must_use]
pub fn one_label_filter<S: BuildHasher>(
    filters: &HashMap<String, Vec<String>, S>,
) -> (HashMap<String, Vec<String>>, Vec<String>) {
    let mut request: HashMap<String, Vec<String>> = filters
        .iter()
        .filter(|(key, _)| *key != "label")
        .map(|(key, values)| (key.clone(), values.clone()))
        .collect();
    let Some(wanted) = filters
        .get("label")
        .filter(|wanted| !wanted.is_empty())
        .cloned()
    else {
        return (request, Vec::new());
    };
    let prefer = |prefix: &str| wanted.iter().find(|label| label.starts_with(prefix));
    let asked = prefer(&format!("{REPOSITORY}="))
        .or_else(|| prefer(&format!("{ROLE}=")))
        .unwrap_or(&wanted[0])
        .clone();
    request.insert("label".to_owned(), vec![asked]);
    (request, wanted)
}

/// Whether `labels` satisfy each of the `label` filters `wanted` (`key=value`: that value;
/// `key`: any value).
#[must_use]
pub fn has_labels<S: BuildHasher>(labels: &HashMap<String, String, S>, wanted: &[String]) -> bool {
    wanted.iter().all(|filter| match filter.split_once('=') {
        Some((key, value)) => labels.get(key).is_some_and(|found| found == value),
        None => labels.contains_key(filter.as_str()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_listing_asks_with_one_label_and_checks_the_rest() {
        let repository = RepositoryId::new("local", "o", "api").unwrap();
        let mut filters = repository_filter(&repository, ROLE_SNAPSHOT, "ns");
        filters.insert("dangling".to_owned(), vec!["true".to_owned()]);
        let (request, wanted) = one_label_filter(&filters);
        assert_eq!(request["label"], vec![format!("{REPOSITORY}=local/o/api")]);
        assert_eq!(request["dangling"], vec!["true".to_owned()]);
        assert_eq!(wanted, filters["label"]);
        let mut labels = repository_labels(&repository, ROLE_SNAPSHOT, "ns");
        assert!(has_labels(&labels, &wanted));
        labels.insert(ROLE.to_owned(), ROLE_SNAPSHOT_BUILDER.to_owned());
        assert!(!has_labels(&labels, &wanted));
        assert!(has_labels(&labels, &[MANAGED.to_owned()]));
        assert!(!has_labels(&labels, &[PORTS.to_owned()]));
        // The role's when no repository is named; nothing to check without labels.
        let by_role = HashMap::from([(
            "label".to_owned(),
            vec![format!("{MANAGED}=true"), format!("{ROLE}={ROLE_IMAGE}")],
        )]);
        assert_eq!(
            one_label_filter(&by_role).0["label"],
            vec![format!("{ROLE}={ROLE_IMAGE}")]
        );
        let none = HashMap::from([("dangling".to_owned(), vec!["true".to_owned()])]);
        assert_eq!(one_label_filter(&none), (none.clone(), Vec::new()));
    }

    #[test]
    fn commit_changes_are_one_quoted_label_a_line_sorted() {
        let labels = repository_labels(
            &RepositoryId::new("local", "o", "api").unwrap(),
            ROLE_SNAPSHOT,
            "ns",
        );
        assert_eq!(
            commit_changes(&labels),
            "LABEL dev.skipper.data-root=\"ns\"\n\
             LABEL dev.skipper.managed=\"true\"\n\
             LABEL dev.skipper.repository=\"local/o/api\"\n\
             LABEL dev.skipper.role=\"repository-snapshot\"\n\
             LABEL dev.skipper.schema=\"1\""
        );
        let odd = HashMap::from([("k".to_owned(), r#"a"b\c"#.to_owned())]);
        assert_eq!(commit_changes(&odd), r#"LABEL k="a\"b\\c""#);
    }

    fn reference(branch: Option<&str>) -> WorkspaceRef {
        WorkspaceRef {
            repository: RepositoryId::new("local", "o", "api").unwrap(),
            target: branch.map_or(WorkspaceTarget::Main, |b| {
                WorkspaceTarget::Branch(BranchName::new(b).unwrap())
            }),
        }
    }

    #[test]
    fn workspace_labels_are_namespaced_and_complete() {
        let labels = workspace_labels(&reference(Some("feat/x")), "abc", "ns", &[]);
        assert!(labels.keys().all(|key| key.starts_with(PREFIX)));
        assert!(!labels.contains_key(PORTS));
        assert_eq!(ports_from_labels(&labels), Vec::<u16>::new());
        assert_eq!(labels[MANAGED], "true");
        assert_eq!(labels[REPOSITORY], "local/o/api");
        assert_eq!(labels[BRANCH], "feat/x");
        assert_eq!(labels[WORKSPACE], "branch");
        assert_eq!(labels[IMAGE_HASH], "abc");
        assert_eq!(labels[SCHEMA], "1");
        let main = workspace_labels(&reference(None), "abc", "ns", &[20001, 20002]);
        assert_eq!(main[PORTS], "20001 20002");
        assert_eq!(ports_from_labels(&main), vec![20001, 20002]);
        assert_eq!(main[BRANCH], "");
        assert_eq!(main[WORKSPACE], "main");
    }

    #[test]
    fn labels_round_trip_and_are_verified() {
        let feat = reference(Some("feat/x"));
        let labels = workspace_labels(&feat, "abc", "ns", &[]);
        assert!(labels_match(&labels, &feat, "ns"));
        assert!(!labels_match(&labels, &feat, "other"));
        assert!(!labels_match(&labels, &reference(Some("feat-x")), "ns"));
        assert!(!labels_match(&labels, &reference(None), "ns"));
        assert!(!labels_match(&HashMap::new(), &feat, "ns"));
        assert_eq!(target_from_labels(&labels), Some(feat.target));
        assert_eq!(
            target_from_labels(&workspace_labels(&reference(None), "h", "ns", &[])),
            Some(WorkspaceTarget::Main)
        );
        let mut broken = labels;
        broken.insert(BRANCH.to_owned(), "bad..name".to_owned());
        assert_eq!(target_from_labels(&broken), None);
    }

    #[test]
    fn the_filter_names_every_identity_label() {
        let filter = workspace_filter(&reference(Some("feat/x")), "ns");
        assert_eq!(
            filter["label"],
            vec![
                "dev.skipper.managed=true",
                "dev.skipper.data-root=ns",
                "dev.skipper.repository=local/o/api",
                "dev.skipper.workspace=branch",
                "dev.skipper.branch=feat/x",
            ]
        );
    }
}
