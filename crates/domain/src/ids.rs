//! One id type per entity, so a `CampusId` can never stand where a `MemberId` is meant.
//! Ids are UUIDv7: time-ordered, stored as text in both databases.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }
    };
}

id_type!(
    /// A school (學校): owns campuses.
    SchoolId
);
id_type!(
    /// A campus (校部): the tenant.
    CampusId
);
id_type!(
    /// A department in a campus's directory tree.
    DepartmentId
);
id_type!(
    /// A member (a person's account on one campus), bureau officers included.
    MemberId
);

id_type!(
    /// A filing (備案) with the bureau.
    FilingId
);
id_type!(
    /// An interconnection (互聯) between campuses of one school.
    InterconnectionId
);
id_type!(
    /// An invitation to join an interconnection.
    InvitationId
);
id_type!(
    /// An identity confirmation for a sensitive step (removing a campus).
    ConfirmationId
);
id_type!(
    /// A conversation: a direct chat or a group.
    ConversationId
);
id_type!(
    /// A message in a conversation.
    MessageId
);
id_type!(
    /// A picture, file or voice message uploaded to a conversation.
    AttachmentId
);
id_type!(
    /// A call or meeting in a conversation.
    CallId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text() {
        let id = CampusId::new();
        let back: CampusId = id.to_string().parse().unwrap();
        assert_eq!(id, back);
        assert!("not-a-uuid".parse::<CampusId>().is_err());
    }

    #[test]
    fn ids_are_time_ordered() {
        let a = MemberId::new();
        let b = MemberId::new();
        assert!(a < b);
    }
}
