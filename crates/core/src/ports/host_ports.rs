use std::fmt::Debug;

/// The host's ports, as far as giving them to workspaces goes: whether one is held by
/// something on this machine already.
pub trait HostPorts: Send + Sync + Debug {
    /// Whether `port` on the loopback address cannot be listened on now (a program
    /// listens there, or the system refuses it), so a workspace given it could not serve
    /// on it. Changes nothing: a probe lets the port go at once. A port that is free now
    /// may be taken a moment later; the answer is a hint for choosing, not a reservation.
    fn in_use(&self, port: u16) -> bool;
}
