//! SQL text to `Expr`, through the `sqlparser` crate.
