//! Streaming tar archives between the host and containers (the repository copy, one file
//! either way, the files carried from the host checkout), with bounded memory: a blocking thread writes (or reads) the archive
//! through a small channel of chunks, and the async side feeds the channel to (or from)
//! the daemon.
//!
//! The repository copy archives the host checkout's git directory, never following
//! symbolic links, leaving out what only makes sense on the host (`index`, `worktrees/`,
//! lock files, the stash) and, for a delta, the object files a snapshot already holds.

mod carried;
mod chunk_channel;
mod download;
mod git_dir;
mod host_config;
mod owner;
mod upload;

pub use carried::{CarriedEntry, write_carried};
pub use chunk_channel::{ChunkReader, ChunkSender, chunk_channel};
pub use download::{extract_single_file, partial_path};
#[cfg(test)]
pub use git_dir::is_host_only;
pub use git_dir::{CopyMode, CopySummary, MANIFEST, git_dir_of, parse_manifest, write_git_dir};
pub use host_config::write_host_config;
pub use owner::{Owner, resolve_owner};
pub use upload::write_single_file;
