//! How a repository call fails.

use thiserror::Error;

/// What kind of stored object an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Recipient,
    Message,
    Mailing,
    Run,
    List,
    User,
    Token,
}

impl Entity {
    pub fn name(self) -> &'static str {
        match self {
            Self::Recipient => "recipient",
            Self::Message => "message",
            Self::Mailing => "mailing",
            Self::Run => "run",
            Self::List => "list",
            Self::User => "user",
            Self::Token => "token",
        }
    }
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Any error a source of a backend may raise, kept as the cause of [`StoreError::Backend`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// How a repository call failed.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{entity} {id} not found")]
    NotFound { entity: Entity, id: i64 },
    #[error("a {entity} with {field} {value:?} already exists")]
    Duplicate {
        entity: Entity,
        field: &'static str,
        value: String,
    },
    #[error("{entity} {id} is used by {used_by}")]
    InUse {
        entity: Entity,
        id: i64,
        used_by: String,
    },
    /// The backend failed (unreachable, corrupt, ...); `context` says what
    /// was being done.
    #[error("{context}")]
    Backend {
        context: String,
        #[source]
        source: BoxError,
    },
}

impl StoreError {
    /// Wraps a backend error with what was being attempted.
    pub fn backend(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Backend {
            context: context.into(),
            source: source.into(),
        }
    }

    pub fn not_found(entity: Entity, id: i64) -> Self {
        Self::NotFound { entity, id }
    }
}
