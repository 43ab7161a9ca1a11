//! [`LoopbackPorts`]: the core's [`HostPorts`] port on this machine's loopback address.

use std::net::{Ipv4Addr, TcpListener};

use skipper_core::HostPorts;

/// Tells a port in use by trying to listen on it at `127.0.0.1`, and letting it go at once.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoopbackPorts;

impl HostPorts for LoopbackPorts {
    /// A port that cannot be listened on for any reason (a listener there, on every
    /// address, or a refusal of the system) counts as in use: a workspace could not serve
    /// on it either.
    fn in_use(&self, port: u16) -> bool {
        TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_err()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_listened_on_is_in_use_and_free_once_let_go() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(LoopbackPorts.in_use(port));
        drop(listener);
        assert!(!LoopbackPorts.in_use(port));
    }

    #[test]
    fn a_listener_on_every_address_holds_the_loopback_port_too() {
        let listener = TcpListener::bind((Ipv4Addr::UNSPECIFIED, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(LoopbackPorts.in_use(port));
    }
}
