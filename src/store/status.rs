//! Comment states and the moves between them (the contract's state diagram).
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Pending,
    Approved,
    Spam,
    Trash,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Pending,
        Status::Approved,
        Status::Spam,
        Status::Trash,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Spam => "spam",
            Status::Trash => "trash",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A moderation action, as named in `/admin/comments/{id}/{action}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Approve,
    /// Approved back to pending: off the site, back in the queue.
    Unapprove,
    Spam,
    Trash,
    Restore,
    Delete,
}

impl Action {
    pub const ALL: [Action; 6] = [
        Action::Approve,
        Action::Unapprove,
        Action::Spam,
        Action::Trash,
        Action::Restore,
        Action::Delete,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Approve => "approve",
            Action::Unapprove => "unapprove",
            Action::Spam => "spam",
            Action::Trash => "trash",
            Action::Restore => "restore",
            Action::Delete => "delete",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Action::ALL
            .into_iter()
            .find(|action| action.as_str() == text)
    }

    /// The state this action leads to from `from`: `Ok(None)` for deletion, `Err` when
    /// the move is not allowed (approving spam, restoring a pending comment, deleting a
    /// comment that is not in spam or trash, ...).
    pub fn target(self, from: Status) -> Result<Option<Status>, InvalidTransition> {
        use Status::*;
        let to = match (self, from) {
            // Deletion is for good, so only from the two bins: a pending or approved
            // comment goes to the trash first, where it can still be restored.
            (Action::Delete, Spam | Trash) => return Ok(None),
            (Action::Approve, Pending) => Approved,
            (Action::Unapprove, Approved) => Pending,
            (Action::Spam, Pending | Approved | Trash) => Spam,
            (Action::Trash, Pending | Approved | Spam) => Trash,
            (Action::Restore, Spam | Trash) => Pending,
            _ => return Err(InvalidTransition { action: self, from }),
        };
        Ok(Some(to))
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {from} comment cannot be given the action \"{action}\"")]
pub struct InvalidTransition {
    pub action: Action,
    pub from: Status,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_state_diagram_holds() {
        use Status::*;
        let allowed = [
            (Action::Approve, Pending, Some(Approved)),
            (Action::Spam, Pending, Some(Spam)),
            (Action::Trash, Pending, Some(Trash)),
            (Action::Spam, Approved, Some(Spam)),
            (Action::Trash, Approved, Some(Trash)),
            (Action::Restore, Spam, Some(Pending)),
            (Action::Restore, Trash, Some(Pending)),
            (Action::Trash, Spam, Some(Trash)),
            (Action::Spam, Trash, Some(Spam)),
            (Action::Unapprove, Approved, Some(Pending)),
            (Action::Delete, Spam, None),
            (Action::Delete, Trash, None),
        ];
        for (action, from, to) in allowed {
            assert_eq!(action.target(from), Ok(to), "{action} from {from}");
        }
        let refused = [
            (Action::Approve, Approved),
            (Action::Approve, Spam),
            (Action::Approve, Trash),
            (Action::Restore, Pending),
            (Action::Restore, Approved),
            (Action::Spam, Spam),
            (Action::Trash, Trash),
            (Action::Unapprove, Pending),
            (Action::Unapprove, Spam),
            (Action::Delete, Pending),
            (Action::Delete, Approved),
        ];
        for (action, from) in refused {
            assert!(action.target(from).is_err(), "{action} from {from}");
        }
    }

    #[test]
    fn actions_round_trip_through_text() {
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Some(action));
        }
        assert_eq!(Action::parse("publish"), None);
    }

    #[test]
    fn statuses_round_trip_through_text() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
        assert_eq!(Status::parse("deleted"), None);
    }
}
