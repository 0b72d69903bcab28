//! The one error type of Sluice: every failure a user can see, with what went wrong and where.

use std::path::PathBuf;

/// Result alias used across Sluice.
pub type Result<T, E = SluiceError> = std::result::Result<T, E>;

/// Everything that can go wrong in Sluice, each variant naming what a user must fix.
#[derive(Clone, Debug, thiserror::Error)]
pub enum SluiceError {
    /// A query, mode or option that cannot work, found before any data moves (Spark's `AnalysisException`).
    #[error("analysis error: {0}")]
    Analysis(String),
    /// SQL or DDL text that does not parse.
    #[error("parse error: {0}")]
    Parse(String),
    /// An invalid option value or combination.
    #[error("invalid option {option}: {reason}")]
    Option {
        /// The option key as the user wrote it.
        option: String,
        /// Why the value is refused.
        reason: String,
    },
    /// A file or directory that cannot be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::sync::Arc<std::io::Error>,
    },
    /// A malformed input record under `mode = FAILFAST`.
    #[error("malformed record in {} line {line}: {reason}", path.display())]
    Malformed {
        /// File holding the record.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong with the record.
        reason: String,
    },
    /// A failure while evaluating an expression on a row (ANSI mode errors, bad casts).
    #[error("execution error: {0}")]
    Execution(String),
    /// A SQL statement that failed, at its place in the text (line and column from 1).
    #[error("line {line}, column {column}: {error}")]
    Sql {
        /// Line of the statement (or of the parse error in it).
        line: usize,
        /// Column there.
        column: usize,
        /// What went wrong.
        error: Box<SluiceError>,
    },
    /// A streaming query that stopped because of an error.
    #[error("streaming query {name} terminated with error: {cause}")]
    QueryFailed {
        /// Query name or id.
        name: String,
        /// The error that ended it.
        cause: String,
    },
}

impl SluiceError {
    /// Shorthand for an analysis error.
    pub fn analysis(msg: impl Into<String>) -> Self {
        SluiceError::Analysis(msg.into())
    }
    /// Shorthand for an execution error.
    pub fn exec(msg: impl Into<String>) -> Self {
        SluiceError::Execution(msg.into())
    }
    /// Shorthand for an option error.
    pub fn option(option: impl Into<String>, reason: impl Into<String>) -> Self {
        SluiceError::Option { option: option.into(), reason: reason.into() }
    }
    /// Shorthand for an I/O error on a path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        SluiceError::Io { path: path.into(), source: std::sync::Arc::new(source) }
    }

    /// The same error with every secret of `redactor` replaced in its text.
    pub fn scrubbed(self, redactor: &crate::redact::Redactor) -> Self {
        if redactor.is_empty() {
            return self;
        }
        let s = |text: String| redactor.scrub(&text);
        match self {
            SluiceError::Analysis(m) => SluiceError::Analysis(s(m)),
            SluiceError::Parse(m) => SluiceError::Parse(s(m)),
            SluiceError::Option { option, reason } => SluiceError::Option { option, reason: s(reason) },
            SluiceError::Malformed { path, line, reason } => {
                SluiceError::Malformed { path, line, reason: s(reason) }
            }
            SluiceError::Execution(m) => SluiceError::Execution(s(m)),
            SluiceError::Sql { line, column, error } => {
                SluiceError::Sql { line, column, error: Box::new(error.scrubbed(redactor)) }
            }
            SluiceError::QueryFailed { name, cause } => SluiceError::QueryFailed { name, cause: s(cause) },
            io @ SluiceError::Io { .. } => io,
        }
    }
}
