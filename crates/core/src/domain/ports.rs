//! The host ports a workspace is given (`SK_PORT`, `SK_PORTS`): how many, from which
//! range, and the pure choice of a slot of consecutive ports for a workspace's identity.

use std::fmt;
use std::str::FromStr;

/// The ports workspaces are given from: `first` to `last`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PortRange {
    first: u16,
    last: u16,
}

/// A port range or count that cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPorts {
    /// The range's text is no range of usable ports.
    #[error("invalid port range `{text}`: {reason}")]
    Range {
        /// The text, as given.
        text: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The count is 0 or above [`PortCount::MAX`].
    #[error("invalid port count {count}: a workspace gets 1 to {max} ports", max = PortCount::MAX)]
    Count {
        /// The count, as given.
        count: u64,
    },
}

impl PortRange {
    /// 20000-29999: above the common development servers' defaults and below Linux's
    /// ephemeral ports (32768 and up), so a port given out is rarely taken by chance.
    pub const DEFAULT: Self = Self {
        first: 20000,
        last: 29999,
    };

    /// The ports `first` to `last`, both included.
    ///
    /// # Errors
    /// [`InvalidPorts::Range`] when `first` is 0 or below 1024 (ports only root may bind),
    /// or above `last`.
    pub fn new(first: u16, last: u16) -> Result<Self, InvalidPorts> {
        let invalid = |reason: &str| InvalidPorts::Range {
            text: format!("{first}-{last}"),
            reason: reason.to_owned(),
        };
        if first < 1024 {
            return Err(invalid(
                "ports below 1024 need root to be bound; start at 1024 or above",
            ));
        }
        if first > last {
            return Err(invalid("its first port is above its last"));
        }
        Ok(Self { first, last })
    }

    /// The first port.
    #[must_use]
    pub fn first(self) -> u16 {
        self.first
    }

    /// The last port.
    #[must_use]
    pub fn last(self) -> u16 {
        self.last
    }

    /// How many ports it holds.
    #[must_use]
    pub fn len(self) -> u32 {
        u32::from(self.last) - u32::from(self.first) + 1
    }

    /// Never true: a range holds its first port at least.
    #[must_use]
    pub fn is_empty(self) -> bool {
        false
    }

    /// Whether `port` is in it.
    #[must_use]
    pub fn contains(self, port: u16) -> bool {
        (self.first..=self.last).contains(&port)
    }
}

impl Default for PortRange {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl FromStr for PortRange {
    type Err = InvalidPorts;

    /// `first-last`, e.g. `20000-29999` (spaces around the numbers allowed).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = |reason: &str| InvalidPorts::Range {
            text: text.to_owned(),
            reason: reason.to_owned(),
        };
        let (first, last) = text
            .split_once('-')
            .ok_or_else(|| invalid("write it as first-last, e.g. 20000-29999"))?;
        let port = |part: &str| {
            part.trim()
                .parse::<u16>()
                .map_err(|_| invalid(&format!("`{}` is not a port (1-65535)", part.trim())))
        };
        let (first, last) = (port(first)?, port(last)?);
        Self::new(first, last).map_err(|err| match err {
            InvalidPorts::Range { reason, .. } => invalid(&reason),
            other @ InvalidPorts::Count { .. } => other,
        })
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.first, self.last)
    }
}

/// How many ports each workspace of a repository gets: 1 to [`PortCount::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PortCount(u16);

impl PortCount {
    /// The most ports a workspace may get.
    pub const MAX: u16 = 20;

    /// `count` ports.
    ///
    /// # Errors
    /// [`InvalidPorts::Count`] when it is 0 or above [`Self::MAX`].
    pub fn new(count: u64) -> Result<Self, InvalidPorts> {
        match u16::try_from(count) {
            Ok(count) if (1..=Self::MAX).contains(&count) => Ok(Self(count)),
            _ => Err(InvalidPorts::Count { count }),
        }
    }

    /// The count.
    #[must_use]
    pub fn get(self) -> u16 {
        self.0
    }
}

impl Default for PortCount {
    /// One port.
    fn default() -> Self {
        Self(1)
    }
}

/// The ports for the workspace whose identity is `identity` (its
/// [`crate::domain::WorkspaceRef::identity_key`]): `count` consecutive ports of `range`.
///
/// The range is cut into slots of `count` ports; a stable hash (SHA-256) of the identity
/// picks the first slot to try, so one workspace is offered the same ports on every
/// machine, in both sandboxes and in every run. A slot holding a port `taken` says is
/// taken is passed over for the next one (wrapping around), so two workspaces never share
/// a port. `None` when every slot holds a taken port, or the range is smaller than `count`.
#[must_use]
pub fn choose_ports(
    identity: &str,
    range: PortRange,
    count: PortCount,
    mut taken: impl FnMut(u16) -> bool,
) -> Option<Vec<u16>> {
    let size = u32::from(count.get());
    let slots = range.len() / size;
    if slots == 0 {
        return None;
    }
    let start = slot_hash(identity) % u64::from(slots);
    // `start` is below `slots`, a u32.
    let start = u32::try_from(start).unwrap_or(0);
    (0..slots).find_map(|step| {
        let slot = (start + step) % slots;
        let first = u32::from(range.first()) + slot * size;
        let ports: Vec<u16> = (first..first + size)
            .filter_map(|port| u16::try_from(port).ok())
            .collect();
        (ports.len() == usize::from(count.get()) && !ports.iter().any(|port| taken(*port)))
            .then_some(ports)
    })
}

/// The first 8 bytes of the SHA-256 of `identity`, as a number: the same everywhere and
/// in every release (unlike std's `DefaultHasher`).
fn slot_hash(identity: &str) -> u64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(identity.as_bytes());
    let mut bytes = [0_u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(bytes)
}

/// Ports as a label or config value holds them: space-separated, in order.
#[must_use]
pub fn format_ports(ports: &[u16]) -> String {
    ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The ports a label or config value written by [`format_ports`] holds; `None` when it
/// holds anything else (then the workspace is shown with no ports rather than wrong ones).
#[must_use]
pub fn parse_ports(text: &str) -> Option<Vec<u16>> {
    text.split_whitespace()
        .map(|part| part.parse::<u16>().ok().filter(|port| *port != 0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(first: u16, last: u16) -> PortRange {
        PortRange::new(first, last).unwrap()
    }

    fn count(n: u64) -> PortCount {
        PortCount::new(n).unwrap()
    }

    #[test]
    fn one_identity_gets_the_same_ports_every_time() {
        let first = choose_ports("h/o/r\nfeat/x", PortRange::DEFAULT, count(3), |_| false);
        let again = choose_ports("h/o/r\nfeat/x", PortRange::DEFAULT, count(3), |_| false);
        assert_eq!(first, again);
        let ports = first.unwrap();
        assert_eq!(ports.len(), 3);
        assert_eq!(ports[1], ports[0] + 1);
        assert_eq!(ports[2], ports[0] + 2);
        assert!(ports.iter().all(|port| PortRange::DEFAULT.contains(*port)));
        // Slots are aligned on the range's first port.
        assert_eq!((ports[0] - 20000) % 3, 0);
    }

    #[test]
    fn the_hash_is_pinned_so_ports_do_not_change_between_releases() {
        // Changing the hash would move every workspace made from now on; existing ones
        // keep what they remember.
        assert_eq!(
            choose_ports("local/o/api\nfeat/x", PortRange::DEFAULT, count(1), |_| {
                false
            }),
            Some(vec![28371])
        );
    }

    #[test]
    fn different_identities_spread_over_the_range() {
        let ports: std::collections::BTreeSet<u16> = (0..50)
            .map(|n| {
                choose_ports(
                    &format!("h/o/r\nb{n}"),
                    PortRange::DEFAULT,
                    count(1),
                    |_| false,
                )
                .unwrap()[0]
            })
            .collect();
        assert!(ports.len() > 45, "{ports:?}");
    }

    #[test]
    fn a_slot_with_a_taken_port_moves_to_the_next_and_wraps() {
        let free = choose_ports("x", range(30000, 30009), count(2), |_| false).unwrap();
        let taken_second = free[1];
        let moved = choose_ports("x", range(30000, 30009), count(2), |port| {
            port == taken_second
        })
        .unwrap();
        let expected_first = if free[0] == 30008 { 30000 } else { free[0] + 2 };
        assert_eq!(moved, vec![expected_first, expected_first + 1]);
    }

    #[test]
    fn nothing_when_every_slot_is_taken_or_the_range_is_too_small() {
        assert_eq!(
            choose_ports("x", range(30000, 30003), count(2), |port| port == 30000
                || port == 30003),
            None
        );
        assert_eq!(
            choose_ports("x", range(30000, 30002), count(4), |_| false),
            None
        );
        // A last partial slot is never used: 30004 alone is no slot of 2.
        assert_eq!(
            choose_ports("x", range(30000, 30004), count(2), |port| port < 30004),
            None
        );
    }

    #[test]
    fn ranges_parse_and_say_what_is_wrong() {
        assert_eq!("20000-29999".parse::<PortRange>(), Ok(PortRange::DEFAULT));
        assert_eq!(" 3000 - 3001 ".parse::<PortRange>(), Ok(range(3000, 3001)));
        assert_eq!(range(3000, 3001).to_string(), "3000-3001");
        assert_eq!(range(3000, 3001).len(), 2);
        let reason = |text: &str| match text.parse::<PortRange>() {
            Err(InvalidPorts::Range { reason, .. }) => reason,
            other => panic!("{text}: {other:?}"),
        };
        assert!(reason("20000").contains("first-last"));
        assert!(reason("20000-70000").contains("`70000` is not a port"));
        assert!(reason("a-2").contains("`a` is not a port"));
        assert!(reason("3001-3000").contains("above its last"));
        assert!(reason("80-90").contains("below 1024"));
        assert_eq!(
            "x".parse::<PortRange>().unwrap_err().to_string(),
            "invalid port range `x`: write it as first-last, e.g. 20000-29999"
        );
    }

    #[test]
    fn counts_are_one_to_twenty() {
        assert_eq!(PortCount::default().get(), 1);
        assert_eq!(PortCount::new(20).unwrap().get(), 20);
        for bad in [0, 21, 70000] {
            assert_eq!(PortCount::new(bad), Err(InvalidPorts::Count { count: bad }));
        }
        assert_eq!(
            PortCount::new(0).unwrap_err().to_string(),
            "invalid port count 0: a workspace gets 1 to 20 ports"
        );
    }

    #[test]
    fn ports_round_trip_through_their_text() {
        assert_eq!(format_ports(&[20001, 20002]), "20001 20002");
        assert_eq!(parse_ports("20001 20002"), Some(vec![20001, 20002]));
        assert_eq!(parse_ports(""), Some(vec![]));
        assert_eq!(parse_ports("20001 x"), None);
        assert_eq!(parse_ports("0"), None);
    }
}
