//! Expressions bound to a schema and evaluated on rows, with Spark semantics.
