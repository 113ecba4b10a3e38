//! The library's error type: one variant per area, each carrying its own
//! typed error. The CLI edge renders the message and, where one exists, a hint
//! that says what to do.

use thiserror::Error;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
}

impl Error {
    /// What the user can do about it, when we know.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Config(e) => e.hint(),
        }
    }
}
