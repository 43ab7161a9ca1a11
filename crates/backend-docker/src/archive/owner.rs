//! Who owns the files the copy puts in a container: the container user's uid and gid,
//! resolved against the image's `/etc/passwd` and `/etc/group` as the runtime would.

/// The uid and gid archive entries are owned by: the container user's, so that the daemon
/// extracts files that user can write.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Owner {
    /// The user id.
    pub uid: u64,
    /// The group id.
    pub gid: u64,
}

/// The owner a container's `Config.User` (`""`, `name`, `uid`, `name:group`, `uid:gid`)
/// stands for, resolved against the image's `/etc/passwd` and `/etc/group` texts as the
/// runtime would: a numeric user missing from `passwd` gets group 0.
#[must_use]
pub fn resolve_owner(user: &str, passwd: &str, group: &str) -> Option<Owner> {
    let (user, group_name) = match user.split_once(':') {
        Some((user, group)) => (user, Some(group)),
        None => (user, None),
    };
    let entries = |text: &str| -> Vec<Vec<String>> {
        text.lines()
            .map(|line| line.split(':').map(str::to_owned).collect::<Vec<_>>())
            .filter(|fields| fields.len() >= 4)
            .collect()
    };
    let users = entries(passwd);
    let (uid, primary_gid) = if user.is_empty() {
        (0, 0)
    } else if let Ok(uid) = user.parse::<u64>() {
        let gid = users
            .iter()
            .find(|f| f[2] == user)
            .and_then(|f| f[3].parse().ok())
            .unwrap_or(0);
        (uid, gid)
    } else {
        let entry = users.iter().find(|f| f[0] == user)?;
        (entry[2].parse().ok()?, entry[3].parse().ok()?)
    };
    let gid = match group_name {
        None | Some("") => primary_gid,
        Some(name) => match name.parse::<u64>() {
            Ok(gid) => gid,
            Err(_) => entries(group)
                .iter()
                .find(|f| f[0] == name)
                .and_then(|f| f[2].parse().ok())?,
        },
    };
    Some(Owner { uid, gid })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_users_resolve_like_the_runtime() {
        let passwd =
            "root:x:0:0:root:/root:/bin/bash\nubuntu:x:1000:1000::/home/ubuntu:/bin/bash\n";
        let group = "root:x:0:\nubuntu:x:1000:\nstaff:x:50:\n";
        let owner = |user| resolve_owner(user, passwd, group).map(|o| (o.uid, o.gid));
        assert_eq!(owner(""), Some((0, 0)));
        assert_eq!(owner("root"), Some((0, 0)));
        assert_eq!(owner("ubuntu"), Some((1000, 1000)));
        assert_eq!(owner("1000"), Some((1000, 1000)));
        assert_eq!(owner("1000:50"), Some((1000, 50)));
        assert_eq!(owner("ubuntu:staff"), Some((1000, 50)));
        assert_eq!(owner("4242"), Some((4242, 0)));
        assert_eq!(owner("nobody-here"), None);
        assert_eq!(owner("ubuntu:nogroup"), None);
    }
}
