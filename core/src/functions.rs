//! The DataFrame API's column helpers: `col`, `lit`, `expr`, aggregates, operators.
