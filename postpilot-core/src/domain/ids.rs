//! Typed ids, so a recipient id can never be passed where a mailing id is meant.

use std::fmt;
use std::str::FromStr;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl $name {
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }

        impl From<i64> for $name {
            fn from(v: i64) -> Self {
                Self(v)
            }
        }
    };
}

id_type!(/// Id of a [`crate::Recipient`].
    RecipientId);
id_type!(/// Id of a [`crate::Message`].
    MessageId);
id_type!(/// Id of a [`crate::Mailing`].
    MailingId);
id_type!(/// Id of a [`crate::SendRun`].
    RunId);
id_type!(/// Id of a [`crate::Delivery`]: one recipient within one run.
    DeliveryId);
id_type!(/// Id of a [`crate::SendAttempt`].
    AttemptId);
id_type!(/// Id of a [`crate::RecipientList`] (Список).
    ListId);
id_type!(/// Id of a [`crate::User`] (Пользователь).
    UserId);
id_type!(/// Id of a [`crate::ApiTokenInfo`]: one named API token of a user.
    TokenId);
