//! The generator's errors, by what failed: a curated table, a facts header, or the generated code.

/// A curated table (`data/*.toml`, or one given to `from_toml`) that does not read: a bug of this
/// build for the shipped ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{table}: {message}")]
pub struct TableError {
    /// Which table (`data/participants.toml`, or `table` for text given to `from_toml`).
    pub table: String,
    /// What is wrong, with its section (`[api.deployVirtualMachine.details]: ...`).
    pub message: String,
}

impl TableError {
    /// A problem of the table text given to `from_toml`.
    pub(crate) fn of_text(message: impl Into<String>) -> Self {
        Self {
            table: "table".into(),
            message: message.into(),
        }
    }

    /// The same problem, in the shipped table `table`.
    pub(crate) fn in_table(self, table: &str) -> Self {
        Self {
            table: table.into(),
            ..self
        }
    }
}

/// A `facts` header this build does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pointer}: {message}")]
pub struct FactsError {
    /// The JSON pointer of the member (`/facts`, `/facts/format`).
    pub pointer: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// Generated code that does not parse as Rust: a bug of the generator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the generated code does not parse: {0}")]
pub struct UnparsableOutput(pub String);
