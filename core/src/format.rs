//! Textual forms of values and results: Spark's `show()` table, cast-to-string, JSON rows.
