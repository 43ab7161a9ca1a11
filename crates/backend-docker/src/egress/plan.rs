//! Pure builders of the egress of `allow` workspaces: names, tinyproxy's configuration and
//! filter, the create requests of the shared proxy container, its rules volume and the
//! internal network, the `egress-proxy.sh` commands, and the proxy variables a workspace is
//! given.

use std::collections::HashMap;

use bollard::models::{
    ContainerCreateBody, HostConfig, Mount, MountType, NetworkCreateRequest, RestartPolicy,
    RestartPolicyNameEnum, VolumeCreateRequest,
};
use skipper_core::AllowEntry;

use crate::labels;
use crate::scripts;

/// The user name of a workspace's proxy credentials (the password is the workspace's own).
pub const PROXY_USER: &str = "sk";
/// Where the rules volume is mounted in the proxy container (`egress-proxy.sh`'s `root`).
pub const RULES_MOUNT: &str = "/srv/sk-proxy";
/// What the workspace reaches without the proxy: its own loopback.
pub const NO_PROXY: &str = "localhost,127.0.0.1,::1";
/// The repository part of built proxy images' tags.
pub const PROXY_IMAGE_REPOSITORY: &str = "skipper-egress-proxy";
/// The proxy image's base unless `[docker.proxy] base` says otherwise.
pub const DEFAULT_PROXY_BASE: &str = "ubuntu:24.04";
/// The most processes the proxy container may hold: a tinyproxy per workspace, and a
/// thread per connection in each.
const PROXY_PIDS_LIMIT: i64 = 1024;
/// The proxy container's memory limit (a tinyproxy needs a few MiB).
const PROXY_MEMORY: i64 = 256 << 20;

/// The internal network of a data root's `allow` workspaces: no route out.
#[must_use]
pub fn network_name(namespace: &str) -> String {
    format!("sk-egress-{namespace}")
}

/// The data root's proxy container, and its name on the internal network.
#[must_use]
pub fn proxy_name(namespace: &str) -> String {
    format!("sk-egress-{namespace}-proxy")
}

/// The volume that holds the proxy's rules.
#[must_use]
pub fn rules_volume(namespace: &str) -> String {
    format!("sk-egress-{namespace}-rules")
}

/// A workspace's way through the proxy: where it listens for it, and its password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyAccess {
    /// The proxy's host name (its container's).
    pub host: String,
    /// The port of the workspace's own tinyproxy.
    pub port: u16,
    /// The workspace's password.
    pub secret: String,
}

impl ProxyAccess {
    /// The proxy URL the workspace is given, with its credentials.
    #[must_use]
    pub fn url(&self) -> String {
        format!(
            "http://{PROXY_USER}:{}@{}:{}",
            self.secret, self.host, self.port
        )
    }

    /// The access [`Self::url`] wrote into the workspace's `HTTP_PROXY` among `env`
    /// (`NAME=value` entries).
    #[must_use]
    pub fn from_env(env: &[String]) -> Option<Self> {
        let url = env
            .iter()
            .find_map(|entry| entry.strip_prefix("HTTP_PROXY="))?;
        let (credentials, address) = url.strip_prefix("http://")?.split_once('@')?;
        let (user, secret) = credentials.split_once(':')?;
        let (host, port) = address.rsplit_once(':')?;
        let valid = user == PROXY_USER
            && !secret.is_empty()
            && secret.chars().all(|c| c.is_ascii_hexdigit());
        let port = port.parse().ok()?;
        valid.then(|| Self {
            host: host.to_owned(),
            port,
            secret: secret.to_owned(),
        })
    }
}

/// The proxy variables of an `allow` workspace, in both spellings programs read.
#[must_use]
pub fn workspace_env(url: &str) -> Vec<String> {
    [
        ("HTTP_PROXY", url),
        ("HTTPS_PROXY", url),
        ("http_proxy", url),
        ("https_proxy", url),
        ("NO_PROXY", NO_PROXY),
        ("no_proxy", NO_PROXY),
    ]
    .iter()
    .map(|(name, value)| format!("{name}={value}"))
    .collect()
}

/// A workspace's tinyproxy configuration but its `Port` and `Filter` lines, which
/// `egress-proxy.sh` adds: one user (`secret` its password), every request filtered by its
/// URL (CONNECT's `host:port`, a plain request's `http://host[:port]/...`) against the
/// filter's patterns, anything they do not match refused with `403 Filtered`.
#[must_use]
pub fn tinyproxy_config(secret: &str) -> String {
    format!(
        "Listen 0.0.0.0\n\
         Timeout 600\n\
         MaxClients 64\n\
         DisableViaHeader Yes\n\
         BasicAuth {PROXY_USER} {secret}\n\
         FilterType ere\n\
         FilterURLs On\n\
         FilterCaseSensitive No\n\
         FilterDefaultDeny Yes\n\
         LogLevel Notice"
    )
}

/// The filter of `allow`: for each entry, an anchored pattern for CONNECT (`host:port`) and
/// one for plain HTTP (`http://host[:port]` then a path, a query or the end). An empty list
/// denies everything. No pattern holds `#`, which starts a comment in tinyproxy's filter
/// file (a request's URL never carries a fragment).
#[must_use]
pub fn filter(allow: &[AllowEntry]) -> String {
    let mut lines = Vec::new();
    for entry in allow {
        let host = host_pattern(entry);
        match entry.port() {
            None => {
                lines.push(format!("^{host}:[0-9]+$"));
                lines.push(format!("^http://{host}(:[0-9]+)?([/?]|$)"));
            }
            Some(port) => {
                lines.push(format!("^{host}:{port}$"));
                if port == 80 {
                    lines.push(format!("^http://{host}(:80)?([/?]|$)"));
                } else {
                    lines.push(format!("^http://{host}:{port}([/?]|$)"));
                }
            }
        }
    }
    lines.join("\n")
}

/// The entry's host as a regular expression: dots literal (a validated host holds only
/// letters, digits, `-` and dots), `*.` as one or more labels.
fn host_pattern(entry: &AllowEntry) -> String {
    let host = entry.host();
    match host.strip_prefix("*.") {
        Some(domain) => format!("([a-z0-9-]+\\.)+{}", domain.replace('.', "\\.")),
        None => host.replace('.', "\\."),
    }
}

/// The fingerprint of the proxy container's command: one whose label differs was made by
/// another `sk` (another `egress-proxy.sh`) and is replaced, its rules kept in the volume.
#[must_use]
pub fn proxy_fingerprint() -> String {
    skipper_core::short_hash(scripts::EGRESS_PROXY, 16)
}

/// The labels of what belongs to a data root's egress (`role` says which part).
fn egress_labels(namespace: &str, role: &str) -> HashMap<String, String> {
    HashMap::from([
        (labels::MANAGED.to_owned(), "true".to_owned()),
        (labels::DATA_ROOT.to_owned(), namespace.to_owned()),
        (labels::SCHEMA.to_owned(), labels::SCHEMA_VERSION.to_owned()),
        (labels::ROLE.to_owned(), role.to_owned()),
    ])
}

/// The labels of a data root's proxy container.
#[must_use]
pub fn proxy_labels(namespace: &str) -> HashMap<String, String> {
    let mut found = egress_labels(namespace, labels::ROLE_EGRESS_PROXY);
    found.insert(labels::PROXY_CONFIG.to_owned(), proxy_fingerprint());
    found
}

/// An `egress-proxy.sh` command's argument vector, run in the proxy container.
fn script_argv(words: &[&str]) -> Vec<String> {
    ["sh", "-c", scripts::EGRESS_PROXY, "egress-proxy"]
        .iter()
        .chain(words)
        .map(|&word| word.to_owned())
        .collect()
}

/// The command that makes sure of the rule of `workspace` (a container name): on `port`
/// (`None`: a free one, printed), with tinyproxy's configuration `config`
/// ([`tinyproxy_config`]) and its `filter`.
#[must_use]
pub fn put_argv(workspace: &str, port: Option<u16>, config: &str, filter: &str) -> Vec<String> {
    let port = port.unwrap_or(0).to_string();
    script_argv(&["put", workspace, &port, config, filter])
}

/// The command that forgets the rule of `workspace`.
#[must_use]
pub fn drop_argv(workspace: &str) -> Vec<String> {
    script_argv(&["drop", workspace])
}

/// The command that lists the workspaces with a rule, and each rule's age.
#[must_use]
pub fn rules_argv() -> Vec<String> {
    script_argv(&["rules"])
}

/// How long a rule whose workspace container is not found is taken for one being made
/// (its rule is put before its container is created): `gc` leaves it alone until then.
pub const RULE_GRACE: u64 = 3600;

/// The workspaces and the ages (seconds) in what [`rules_argv`] printed; a line it cannot
/// read is left out.
#[must_use]
pub fn parse_rules(printed: &str) -> Vec<(String, u64)> {
    printed
        .lines()
        .filter_map(|line| {
            let (workspace, age) = line.split_once(' ')?;
            Some((workspace.to_owned(), age.trim().parse().ok()?))
        })
        .filter(|(workspace, _)| !workspace.is_empty())
        .collect()
}

/// The daemon's create request of a data root's proxy container: `egress-proxy.sh serve`
/// behind an init, its rules in the volume [`rules_volume`], on the default bridge (the
/// internal network is joined before it starts), a read-only root with a small `/tmp`,
/// every capability dropped, no new privileges, pids and memory limits, and restarted by
/// the daemon unless stopped.
#[must_use]
pub fn proxy_body(image: &str, namespace: &str) -> ContainerCreateBody {
    ContainerCreateBody {
        image: Some(image.to_owned()),
        cmd: Some(script_argv(&["serve"])),
        labels: Some(proxy_labels(namespace)),
        attach_stdin: Some(false),
        attach_stdout: Some(false),
        attach_stderr: Some(false),
        tty: Some(false),
        open_stdin: Some(false),
        host_config: Some(HostConfig {
            network_mode: Some("bridge".to_owned()),
            init: Some(true),
            security_opt: Some(vec!["no-new-privileges".to_owned()]),
            cap_drop: Some(vec!["ALL".to_owned()]),
            pids_limit: Some(PROXY_PIDS_LIMIT),
            memory: Some(PROXY_MEMORY),
            readonly_rootfs: Some(true),
            tmpfs: Some(HashMap::from([(
                "/tmp".to_owned(),
                "rw,noexec,nosuid,size=8m".to_owned(),
            )])),
            mounts: Some(vec![Mount {
                target: Some(RULES_MOUNT.to_owned()),
                source: Some(rules_volume(namespace)),
                typ: Some(MountType::VOLUME),
                ..Default::default()
            }]),
            restart_policy: Some(RestartPolicy {
                name: Some(RestartPolicyNameEnum::UNLESS_STOPPED),
                maximum_retry_count: None,
            }),
            privileged: Some(false),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The create request of the volume of a data root's proxy rules.
#[must_use]
pub fn rules_volume_body(namespace: &str) -> VolumeCreateRequest {
    VolumeCreateRequest {
        name: Some(rules_volume(namespace)),
        labels: Some(egress_labels(namespace, labels::ROLE_EGRESS_RULES)),
        ..Default::default()
    }
}

/// The create request of a data root's internal network: a bridge with no route out.
#[must_use]
pub fn network_body(namespace: &str) -> NetworkCreateRequest {
    NetworkCreateRequest {
        name: network_name(namespace),
        driver: Some("bridge".to_owned()),
        internal: Some(true),
        labels: Some(egress_labels(namespace, labels::ROLE_EGRESS_NETWORK)),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow(texts: &[&str]) -> Vec<AllowEntry> {
        texts.iter().map(|text| text.parse().unwrap()).collect()
    }

    /// Whether tinyproxy would let `url` through `filter`: some line matches it, as an
    /// extended regular expression without case (the syntax `filter` writes is the same in
    /// the `regex` crate).
    fn lets_through(filter: &str, url: &str) -> bool {
        filter.lines().any(|pattern| {
            regex::Regex::new(&format!("(?i){pattern}"))
                .unwrap()
                .is_match(url)
        })
    }

    #[test]
    fn a_host_with_a_port_is_reached_on_that_port_alone() {
        let filter = filter(&allow(&["api.example.com:8443", "10.1.2.3:80"]));
        assert_eq!(
            filter,
            "^api\\.example\\.com:8443$\n\
             ^http://api\\.example\\.com:8443([/?]|$)\n\
             ^10\\.1\\.2\\.3:80$\n\
             ^http://10\\.1\\.2\\.3(:80)?([/?]|$)"
        );
        assert!(lets_through(&filter, "api.example.com:8443"));
        assert!(lets_through(&filter, "http://API.example.com:8443/v1?x"));
        assert!(!lets_through(&filter, "api.example.com:443"));
        assert!(!lets_through(&filter, "http://api.example.com/"));
        assert!(lets_through(&filter, "http://10.1.2.3/"));
        assert!(lets_through(&filter, "http://10.1.2.3:80"));
        assert!(!lets_through(&filter, "http://10.1.2.3:8080/"));
        // Another host that starts or ends like an allowed one, or hides behind userinfo.
        assert!(!lets_through(&filter, "api.example.com.evil.test:8443"));
        assert!(!lets_through(&filter, "xapi.example.com:8443"));
        assert!(!lets_through(
            &filter,
            "http://api.example.com:8443@evil.test/"
        ));
        assert!(!lets_through(&filter, "http://apixexample.com:8443/"));
    }

    #[test]
    fn a_host_alone_is_reached_on_any_port_and_a_wildcard_on_its_subdomains() {
        let filter = filter(&allow(&["registry.npmjs.org", "*.github.com"]));
        assert!(lets_through(&filter, "registry.npmjs.org:443"));
        assert!(lets_through(&filter, "http://registry.npmjs.org/x"));
        assert!(lets_through(&filter, "http://registry.npmjs.org:8080/x"));
        assert!(!lets_through(&filter, "registry.npmjs.org.evil.test:443"));
        assert!(lets_through(&filter, "api.github.com:443"));
        assert!(lets_through(&filter, "a.b.github.com:443"));
        assert!(!lets_through(&filter, "github.com:443"));
        assert!(!lets_through(&filter, "evilgithub.com:443"));
        assert!(!lets_through(&filter, "api.github.com.evil.test:443"));
    }

    #[test]
    fn no_pattern_holds_what_tinyproxy_reads_as_a_comment() {
        let filter = filter(&allow(&["a.example", "b.example:80", "*.c.example:8080"]));
        assert!(!filter.contains('#'), "{filter}");
    }

    #[test]
    fn nothing_allowed_lets_nothing_through() {
        assert_eq!(filter(&[]), "");
        assert!(!lets_through("", "a.example:443"));
    }

    #[test]
    fn the_configuration_names_its_one_user_and_denies_by_default() {
        let config = tinyproxy_config("00ff");
        assert!(config.contains("\nBasicAuth sk 00ff\n"), "{config}");
        assert!(config.contains("\nFilterDefaultDeny Yes\n"), "{config}");
        assert!(config.contains("\nFilterURLs On\n"), "{config}");
        // Its port and its filter's path are the script's to write.
        assert!(!config.contains("Port ") && !config.contains("Filter \""));
    }

    #[test]
    fn the_workspace_is_given_its_port_of_the_proxy_with_its_credentials() {
        let access = ProxyAccess {
            host: proxy_name("ns"),
            port: 3130,
            secret: "abcd".to_owned(),
        };
        let url = access.url();
        assert_eq!(url, "http://sk:abcd@sk-egress-ns-proxy:3130");
        let env = workspace_env(&url);
        assert!(env.contains(&format!("HTTPS_PROXY={url}")));
        assert!(env.contains(&format!("https_proxy={url}")));
        assert!(env.contains(&"NO_PROXY=localhost,127.0.0.1,::1".to_owned()));
        assert_eq!(ProxyAccess::from_env(&env), Some(access));
        assert_eq!(
            ProxyAccess::from_env(&["HTTP_PROXY=http://x@y:1".to_owned()]),
            None
        );
        assert_eq!(
            ProxyAccess::from_env(&["HTTP_PROXY=http://sk:ab@y:port".to_owned()]),
            None
        );
        assert_eq!(ProxyAccess::from_env(&[]), None);
    }

    #[test]
    fn the_proxy_is_locked_down_and_keeps_its_rules_in_its_volume() {
        let body = proxy_body("skipper-egress-proxy:1", "ns");
        let cmd = body.cmd.unwrap();
        assert_eq!(cmd[..2], ["sh", "-c"]);
        assert_eq!(cmd[3..], ["egress-proxy", "serve"]);
        let host = body.host_config.unwrap();
        assert_eq!(host.cap_drop, Some(vec!["ALL".to_owned()]));
        assert!(host.cap_add.is_none());
        assert_eq!(host.readonly_rootfs, Some(true));
        assert_eq!(host.network_mode.as_deref(), Some("bridge"));
        assert!(host.binds.is_none());
        let mounts = host.mounts.unwrap();
        assert_eq!(mounts.len(), 1);
        assert_eq!(mounts[0].typ, Some(MountType::VOLUME));
        assert_eq!(mounts[0].source.as_deref(), Some("sk-egress-ns-rules"));
        assert_eq!(mounts[0].target.as_deref(), Some(RULES_MOUNT));
        let found = body.labels.unwrap();
        assert_eq!(found[labels::ROLE], labels::ROLE_EGRESS_PROXY);
        assert_eq!(found[labels::DATA_ROOT], "ns");
        assert_eq!(found[labels::PROXY_CONFIG], proxy_fingerprint());
        assert!(!found.contains_key(labels::PROXY_FOR));

        let volume = rules_volume_body("ns");
        assert_eq!(
            volume.labels.unwrap()[labels::ROLE],
            labels::ROLE_EGRESS_RULES
        );
        let network = network_body("ns");
        assert_eq!(network.name, "sk-egress-ns");
        assert_eq!(network.internal, Some(true));
        assert_eq!(
            network.labels.unwrap()[labels::ROLE],
            labels::ROLE_EGRESS_NETWORK
        );
    }

    #[test]
    fn the_scripts_commands_carry_their_values_as_arguments() {
        let put = put_argv("sk-a-1", None, "Listen 0.0.0.0", "^a:1$");
        assert_eq!(
            put[3..],
            [
                "egress-proxy",
                "put",
                "sk-a-1",
                "0",
                "Listen 0.0.0.0",
                "^a:1$"
            ]
        );
        assert_eq!(put_argv("sk-a-1", Some(3130), "c", "f")[6], "3130");
        assert_eq!(drop_argv("sk-a-1")[3..], ["egress-proxy", "drop", "sk-a-1"]);
        assert_eq!(rules_argv()[3..], ["egress-proxy", "rules"]);
        assert_eq!(
            parse_rules("sk-a-1 12\nsk-b-2 4000\nbroken\nsk-c-3 x\n"),
            [("sk-a-1".to_owned(), 12), ("sk-b-2".to_owned(), 4000)]
        );
    }
}
