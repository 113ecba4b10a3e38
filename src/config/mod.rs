//! config
#[derive(Debug, thiserror::Error)]
#[error("config")]
pub struct ConfigError;
impl ConfigError {
    pub fn hint(&self) -> Option<String> {
        None
    }
}
