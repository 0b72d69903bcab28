//! Logical plans (what DataFrame calls and SQL build) and their analysis into bound plans
//! (what the operators crate compiles), with Spark's streaming rules on output modes.

use crate::error::{Result, SluiceError};
use crate::eval::BoundExpr;
use crate::expr::{AggFunc, BinaryOp, Expr};
use crate::mode::OutputMode;
use crate::options::Options;
use crate::schema::Schema;
use crate::types::{DataType, Field, Row, Value};
use std::cmp::Ordering;
use std::collections::HashSet;
use std::sync::Arc;

mod generate;
mod join;
mod pushdown;
mod shared;
mod window;
pub use generate::{
    generator_call, has_generator, json_text, GenerateNode, GeneratorKind, GENERATORS, MULTI_ALIAS_SEPARATOR,
};
pub use join::{check_streaming_join, conjuncts, JoinCondition, JoinNode, JoinType, Qualifiers, Scope};
pub use window::{WindowCall, WindowNode};

// Defined beside what uses them (eval's window functions, grouping sets), so that neither
// imports `plan`; re-exported where the plan's users look for them.
pub use crate::eval::event_time_of;
pub use crate::grouping::GroupingSet;

/// A source leaf of a plan: which connector reads it (a name in the root crate's
/// connector registry), with which schema and options.
#[derive(Clone, Debug)]
pub struct SourceSpec {
    /// Human-readable description (`FileStreamSource[dir]`, a table name), used in progress.
    pub description: String,
    /// The connector's name (`json`, `kafka`, `rate`, `memory`, ..).
    pub connector: String,
    /// The path of a file source.
    pub path: Option<String>,
    /// The rows of a `memory` source (a memory-sink table or a local DataFrame), read as
    /// one batch.
    pub rows: Option<Arc<Vec<Row>>>,
    /// The full schema of the rows the source yields.
    pub schema: Schema,
    /// The user's options, verbatim.
    pub options: Options,
    /// True for `read_stream()`, false for `read()`.
    pub streaming: bool,
}

impl SourceSpec {
    /// True for rows held in memory (which exist only in the process that holds them).
    pub fn is_in_memory(&self) -> bool {
        self.rows.is_some()
    }
}

/// A sort key of `ORDER BY` / `sort`.
#[derive(Clone, Debug, PartialEq)]
pub struct SortOrder {
    /// What to sort by.
    pub expr: Expr,
    /// Ascending (the default) or descending.
    pub ascending: bool,
    /// Where nulls go (Spark: first for ascending, last for descending).
    pub nulls_first: bool,
}

impl SortOrder {
    /// Ascending with nulls first, as Spark defaults.
    pub fn asc(expr: Expr) -> Self {
        SortOrder { expr, ascending: true, nulls_first: true }
    }
    /// Descending with nulls last, as Spark defaults.
    pub fn desc(expr: Expr) -> Self {
        SortOrder { expr, ascending: false, nulls_first: false }
    }
}

/// A query as the user wrote it: a tree of unresolved operators over source leaves.
#[derive(Clone, Debug)]
pub enum LogicalPlan {
    /// Rows from a source.
    Source(Arc<SourceSpec>),
    /// `select`: one output column per expression.
    Project {
        /// Input plan.
        input: Arc<LogicalPlan>,
        /// Output expressions (may contain `*`).
        exprs: Vec<Expr>,
    },
    /// `where` / `filter`.
    Filter {
        /// Input plan.
        input: Arc<LogicalPlan>,
        /// Rows where this is true are kept.
        predicate: Expr,
    },
    /// `group_by(..).agg(..)` / `GROUP BY`: output expressions over group keys and aggregates.
    Aggregate {
        /// Input plan.
        input: Arc<LogicalPlan>,
        /// Grouping expressions.
        group: Vec<Expr>,
        /// Output expressions: group expressions, aggregates, and expressions of them.
        output: Vec<Expr>,
        /// `HAVING` predicate over the same.
        having: Option<Expr>,
    },
    /// `ORDER BY` / `sort`.
    Sort {
        /// Input plan.
        input: Arc<LogicalPlan>,
        /// Sort keys, major first.
        order: Vec<SortOrder>,
    },
    /// `LIMIT n`.
    Limit {
        /// Input plan.
        input: Arc<LogicalPlan>,
        /// Maximum number of rows.
        n: usize,
    },
    /// `union`: the rows of every input, matched by column position (Spark's `union`).
    Union {
        /// The inputs; all have the same number of columns.
        inputs: Vec<Arc<LogicalPlan>>,
    },
    /// `join`: rows of two inputs combined (see `join.rs`).
    Join {
        /// Left input.
        left: Arc<LogicalPlan>,
        /// Right input.
        right: Arc<LogicalPlan>,
        /// The join type.
        kind: JoinType,
        /// What rows match on.
        condition: JoinCondition,
    },
    /// `alias("a")` / `FROM t AS a`: the input's columns can be named `a.col`.
    SubqueryAlias {
        /// Input plan.
        input: Arc<LogicalPlan>,
        /// The qualifier.
        alias: String,
    },
    /// `with_watermark(column, delay)`: `column` is the event time; rows later than
    /// (max event time seen) - `delay` are dropped by stateful operators.
    Watermark {
        /// Input plan.
        input: Arc<LogicalPlan>,
        /// The event-time column.
        column: String,
        /// The delay as Spark writes it (`"30 minutes"`).
        delay: String,
    },
    /// `dropDuplicates(cols)` / `dropDuplicatesWithinWatermark(cols)`: the first row of each
    /// key (Spark's `Deduplicate` / `DeduplicateWithinWatermark`).
    Deduplicate {
        /// Input plan.
        input: Arc<LogicalPlan>,
        /// Key columns; empty means every column.
        columns: Vec<String>,
        /// `dropDuplicatesWithinWatermark`: a key's state expires at its event time + delay.
        within_watermark: bool,
    },
    /// SQL `SELECT DISTINCT`: an aggregation grouping by every column (as Spark plans it).
    Distinct {
        /// Input plan.
        input: Arc<LogicalPlan>,
    },
    /// `cube` / `rollup` / `GROUPING SETS`: an aggregation per grouping set, the keys not in
    /// a set null in its rows (Spark's `Expand` under an `Aggregate`); `grouping(col)` and
    /// `grouping_id(..)` tell which set a row belongs to.
    GroupingSets {
        /// Input plan.
        input: Arc<LogicalPlan>,
        /// Every grouping expression.
        group: Vec<Expr>,
        /// The sets, as indices into `group`.
        sets: Vec<Vec<usize>>,
        /// Output expressions, as for `Aggregate`.
        output: Vec<Expr>,
        /// `HAVING` predicate.
        having: Option<Expr>,
    },
    /// `LATERAL VIEW [OUTER] explode(tags) t AS tag`: the input's columns, then those a
    /// generator makes of each row (`generate.rs`; a generator in a select list is planned
    /// the same way, under its projection).
    Generate {
        /// Input plan.
        input: Arc<LogicalPlan>,
        /// The generator call (`explode(tags)`).
        generator: Expr,
        /// A row of NULLs where the generator gives none.
        outer: bool,
        /// The qualifier of the generated columns (`t`).
        qualifier: Option<String>,
        /// Their names (empty: the generator's own, `col`, `key`, `value`, ..).
        names: Vec<String>,
    },
}

impl LogicalPlan {
    /// True if any source is a stream.
    pub fn is_streaming(&self) -> bool {
        match self {
            LogicalPlan::Source(s) => s.streaming,
            LogicalPlan::Project { input, .. }
            | LogicalPlan::Filter { input, .. }
            | LogicalPlan::Aggregate { input, .. }
            | LogicalPlan::Sort { input, .. }
            | LogicalPlan::Limit { input, .. }
            | LogicalPlan::Watermark { input, .. }
            | LogicalPlan::SubqueryAlias { input, .. }
            | LogicalPlan::Deduplicate { input, .. }
            | LogicalPlan::Distinct { input }
            | LogicalPlan::Generate { input, .. }
            | LogicalPlan::GroupingSets { input, .. } => input.is_streaming(),
            LogicalPlan::Union { inputs } => inputs.iter().any(|i| i.is_streaming()),
            LogicalPlan::Join { left, right, .. } => left.is_streaming() || right.is_streaming(),
        }
    }

    /// Spark-like indented plan text for `explain`.
    pub fn explain(&self) -> String {
        let mut out = String::new();
        self.explain_into(0, &mut out);
        out
    }

    fn explain_into(&self, depth: usize, out: &mut String) {
        let pad = if depth == 0 { String::new() } else { format!("{}+- ", "   ".repeat(depth - 1)) };
        let names = |es: &[Expr]| es.iter().map(|e| e.output_name()).collect::<Vec<_>>().join(", ");
        let line = match self {
            LogicalPlan::Source(s) => {
                format!(
                    "{} [{}]{}",
                    s.description,
                    s.schema.names().join(", "),
                    if s.streaming { " (streaming)" } else { "" }
                )
            }
            LogicalPlan::Project { exprs, .. } => format!("Project [{}]", names(exprs)),
            LogicalPlan::Filter { predicate, .. } => format!("Filter {}", predicate.output_name()),
            LogicalPlan::Aggregate { group, output, having, .. } => {
                let h = having.as_ref().map(|h| format!(" having {}", h.output_name())).unwrap_or_default();
                format!("Aggregate [{}], [{}]{h}", names(group), names(output))
            }
            LogicalPlan::Sort { order, .. } => {
                let keys: Vec<String> = order
                    .iter()
                    .map(|o| format!("{} {}", o.expr.output_name(), if o.ascending { "ASC" } else { "DESC" }))
                    .collect();
                format!("Sort [{}]", keys.join(", "))
            }
            LogicalPlan::Limit { n, .. } => format!("Limit {n}"),
            LogicalPlan::Watermark { column, delay, .. } => format!("EventTimeWatermark {column}, {delay}"),
            LogicalPlan::Union { .. } => "Union".to_string(),
            LogicalPlan::Deduplicate { columns, within_watermark, .. } => format!(
                "Deduplicate{} [{}]",
                if *within_watermark { "WithinWatermark" } else { "" },
                columns.join(", ")
            ),
            LogicalPlan::Distinct { .. } => "Distinct".to_string(),
            LogicalPlan::Generate { generator, outer, names, .. } => format!(
                "Generate {}, {}[{}]",
                generator.output_name(),
                if *outer { "outer, " } else { "" },
                names.join(", ")
            ),
            LogicalPlan::GroupingSets { group, sets, output, .. } => {
                let sets: Vec<String> = sets
                    .iter()
                    .map(|s| {
                        format!(
                            "({})",
                            s.iter().map(|&i| group[i].output_name()).collect::<Vec<_>>().join(", ")
                        )
                    })
                    .collect();
                format!("Aggregate GROUPING SETS ({}), [{}]", sets.join(", "), names(output))
            }
            LogicalPlan::Join { kind, condition, .. } => match condition {
                JoinCondition::None => format!("Join {}", kind.spark_name()),
                JoinCondition::On(e) => format!("Join {}, {}", kind.spark_name(), e.output_name()),
                JoinCondition::Using(cols) => {
                    format!("Join UsingJoin({}, [{}])", kind.spark_name(), cols.join(", "))
                }
            },
            LogicalPlan::SubqueryAlias { alias, .. } => format!("SubqueryAlias {alias}"),
        };
        out.push_str(&pad);
        out.push_str(&line);
        out.push('\n');
        match self {
            LogicalPlan::Source(_) => {}
            LogicalPlan::Project { input, .. }
            | LogicalPlan::Filter { input, .. }
            | LogicalPlan::Aggregate { input, .. }
            | LogicalPlan::Sort { input, .. }
            | LogicalPlan::Limit { input, .. }
            | LogicalPlan::Watermark { input, .. }
            | LogicalPlan::SubqueryAlias { input, .. }
            | LogicalPlan::Deduplicate { input, .. }
            | LogicalPlan::Distinct { input }
            | LogicalPlan::Generate { input, .. }
            | LogicalPlan::GroupingSets { input, .. } => input.explain_into(depth + 1, out),
            LogicalPlan::Union { inputs } => inputs.iter().for_each(|i| i.explain_into(depth + 1, out)),
            LogicalPlan::Join { left, right, .. } => {
                left.explain_into(depth + 1, out);
                right.explain_into(depth + 1, out);
            }
        }
    }
}

/// One aggregate to compute per group, bound to the aggregate's input schema.
#[derive(Clone, Debug)]
pub struct BoundAgg {
    /// Which aggregate.
    pub func: AggFunc,
    /// Its argument (`None` for `count(*)`).
    pub arg: Option<BoundExpr>,
    /// The argument's type (`Long` for `count(*)`).
    pub input_type: DataType,
    /// The result type.
    pub output_type: DataType,
    /// `count(DISTINCT x)` and the like: over the distinct non-null values.
    pub distinct: bool,
    /// The constant parameter of a percentile: its percentage, a double or an array of them.
    pub param: Option<Value>,
    /// Its input rows can be retracted (an aggregation feeds it, in complete mode): min, max
    /// and the moments then keep a multiset of values, which a retraction can take from.
    pub retracting: bool,
}

/// A grouped aggregation, bound: keys and aggregate inputs over the input rows, then
/// `output` and `having` over the intermediate row `[keys.., aggregate results..]`.
#[derive(Clone, Debug)]
pub struct AggregateNode {
    /// Grouping key expressions.
    pub keys: Vec<BoundExpr>,
    /// Aggregates per group.
    pub aggs: Vec<BoundAgg>,
    /// Output columns over the intermediate row.
    pub output: Vec<BoundExpr>,
    /// Group filter over the intermediate row.
    pub having: Option<BoundExpr>,
    /// A `window(..)` grouping key: each row joins every window that covers its time.
    pub window: Option<WindowGen>,
    /// Which key is the event time (a window or a watermarked timestamp column), for
    /// dropping late rows and evicting state once the watermark passes.
    pub event_time_key: Option<usize>,
    /// A global aggregation (no keys) of a batch query: it has one row even over no input.
    pub default_row: bool,
    /// Grouping sets: each row is aggregated once per set, under the key with the keys
    /// outside the set null and the set's extra key values appended.
    pub grouping_sets: Option<Vec<GroupingSet>>,
    /// The output column that is the event-time key, if one is: it is the event time of
    /// the result's rows for a downstream stateful operator (window, dedup).
    pub output_event_time: Option<usize>,
    /// Another aggregation reads this one's rows: outside append mode they change, so this
    /// one emits each change as a retraction and an addition (in update mode too, where
    /// only the last aggregation writes the changed groups alone).
    pub feeds_aggregate: bool,
}

/// The time windows of a `window(time, size, slide, start)` grouping key.
#[derive(Clone, Debug)]
pub struct WindowGen {
    /// Index of the window among the grouping keys.
    pub key: usize,
    /// The row's event time.
    pub time: BoundExpr,
    /// Window length in microseconds.
    pub size: i64,
    /// Distance between window starts (equal to `size` for tumbling windows).
    pub slide: i64,
    /// For `session_window(time, gap)`: the gap; `size`/`slide`/`start` are unused.
    pub session_gap: Option<i64>,
    /// Offset of window starts from the epoch.
    pub start: i64,
}

impl WindowGen {
    /// Calls `f(start, end)` for every window that covers `ts` (Spark's `TimeWindowing`:
    /// the last start is `ts - (ts - offset) mod slide`).
    pub fn for_each_window(&self, ts: i64, mut f: impl FnMut(i64, i64)) {
        if let Some(gap) = self.session_gap {
            // A row opens the session [ts, ts + gap); sessions that touch merge later.
            // Spark keeps no row when the gap is not positive.
            if gap > 0 {
                f(ts, ts.saturating_add(gap));
            }
            return;
        }
        crate::time::for_each_sliding_window(ts, self.size, self.slide, self.start, f);
    }
}

/// A bound operator tree: every expression resolved to column indices and types.
#[derive(Clone, Debug)]
pub enum Node {
    /// Rows of `Analyzed::sources[index]`.
    Source {
        /// Index into the analysed plan's sources.
        index: usize,
    },
    /// One output value per expression.
    Map {
        /// Input.
        input: Box<Node>,
        /// Output expressions.
        exprs: Vec<BoundExpr>,
    },
    /// Keeps rows where the predicate is true.
    Filter {
        /// Input.
        input: Box<Node>,
        /// The predicate.
        predicate: BoundExpr,
    },
    /// The rows of every input.
    Union {
        /// Inputs with the same column count and types.
        inputs: Vec<Node>,
    },
    /// Tracks the event time of the rows passing through (for the watermark).
    Watermark {
        /// Input.
        input: Box<Node>,
        /// Index of the event-time column.
        column: usize,
        /// Which of the plan's watermarks this is (index into `Analyzed::watermarks`).
        id: usize,
    },
    /// Grouped aggregation.
    Aggregate {
        /// Input.
        input: Box<Node>,
        /// What to compute.
        agg: Box<AggregateNode>,
    },
    /// A join of two inputs: left columns then right columns (left only for semi/anti).
    Join {
        /// Left input.
        left: Box<Node>,
        /// Right input.
        right: Box<Node>,
        /// Keys, condition and type.
        join: Box<JoinNode>,
    },
    /// Appends one window function's value to every row (`window.rs`).
    Window {
        /// Input.
        input: Box<Node>,
        /// The call, its partitioning, order and frame.
        window: Arc<WindowNode>,
    },
    /// Appends the columns a generator makes of each row, one output row per generated row
    /// (`generate.rs`).
    Generate {
        /// Input.
        input: Box<Node>,
        /// The bound generator.
        generate: Arc<GenerateNode>,
    },
    /// Keeps the first row of each key.
    Deduplicate {
        /// Input.
        input: Box<Node>,
        /// Which columns are the key, and how state expires.
        dedup: DedupNode,
    },
}

/// A deduplication, bound: which columns make the key and how its state is bounded.
#[derive(Clone, Debug)]
pub struct DedupNode {
    /// Indices of the key columns in the input rows.
    pub keys: Vec<usize>,
    /// The input's event-time column under a watermark: rows at or before the watermark
    /// are late and dropped (Spark drops them whether or not the column is a key).
    pub event_time: Option<usize>,
    /// How a key's state expires, if it does.
    pub expiry: DedupExpiry,
    /// Its input is an aggregation's rows. Outside append mode those change (each change a
    /// retraction and an addition), and the deduplication keeps per key every live row and
    /// passes on the smallest, taking it back when it goes (beyond Spark, which refuses
    /// stateful operators over an aggregation's changing rows).
    pub over_aggregate: bool,
}

/// When a deduplication forgets a key (its state is evicted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DedupExpiry {
    /// Never: the event time is not among the keys (state grows with the distinct keys).
    Never,
    /// When the watermark passes the key's event time (the column at this index of the row).
    EventTime(usize),
    /// `dropDuplicatesWithinWatermark`: when the watermark passes the first row's event time
    /// (the column at this index) plus this delay in microseconds.
    WithinWatermark(usize, i64),
}

impl DedupExpiry {
    /// The event time in microseconds at which the state of a key first seen in `row`
    /// expires (the watermark reaching it evicts the key), if it ever does.
    pub fn expires_at(&self, row: &[Value]) -> Option<i64> {
        match *self {
            DedupExpiry::Never => None,
            DedupExpiry::EventTime(c) => event_time_of(&row[c]),
            DedupExpiry::WithinWatermark(c, delay) => event_time_of(&row[c]).map(|t| t.saturating_add(delay)),
        }
    }

    /// Spark's name for the operator in progress reports.
    pub fn operator_name(&self) -> &'static str {
        match self {
            DedupExpiry::WithinWatermark(..) => "dedupeWithinWatermark",
            _ => "dedupe",
        }
    }
}

/// A source as the executed plan reads it: only the columns the query needs.
#[derive(Clone, Debug)]
pub struct SourceInput {
    /// The source.
    pub spec: Arc<SourceSpec>,
    /// Indices into `spec.schema` of the columns read, in order.
    pub projection: Vec<usize>,
    /// A deterministic predicate over the projected columns that the plan applies right
    /// above this source, its only reader: a reader may drop the rows it rejects early
    /// (the plan still applies it to the rest). See `plan/pushdown.rs`.
    pub filter: Option<BoundExpr>,
}

/// Row order and limit applied to a query's result table (ORDER BY / LIMIT).
#[derive(Clone, Debug, Default)]
pub struct ResultOrder {
    /// `(column index, ascending, nulls first)`, major first.
    pub keys: Vec<(usize, bool, bool)>,
    /// Maximum number of rows.
    pub limit: Option<usize>,
    /// Columns the result keeps after sorting, when sort keys ride along as hidden columns.
    pub width: Option<usize>,
}

impl ResultOrder {
    /// Sorts and truncates `rows` in place.
    pub fn apply(&self, rows: &mut Vec<Row>) {
        if !self.keys.is_empty() {
            rows.sort_by(|a, b| self.compare(a, b));
        }
        if let Some(n) = self.limit {
            rows.truncate(n);
        }
        if let Some(w) = self.width {
            rows.iter_mut().for_each(|r| r.truncate(w));
        }
    }

    /// Compares two rows by the sort keys.
    pub fn compare(&self, a: &[Value], b: &[Value]) -> Ordering {
        for &(i, asc, nulls_first) in &self.keys {
            let ord = compare_sort_key(&a[i], &b[i], asc, nulls_first);
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }
}

/// How two values of a sort key compare: NULLs first or last as `nulls_first` says, the
/// rest ascending or not (`ORDER BY`, and a window's order).
pub fn compare_sort_key(x: &Value, y: &Value, ascending: bool, nulls_first: bool) -> Ordering {
    match (x.is_null(), y.is_null()) {
        (true, true) => Ordering::Equal,
        (true, false) if nulls_first => Ordering::Less,
        (true, false) => Ordering::Greater,
        (false, true) if nulls_first => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) if ascending => compare_values(x, y),
        (false, false) => compare_values(x, y).reverse(),
    }
}

/// Orders two non-null values of one column; numbers of different widths compare by value.
pub fn compare_values(x: &Value, y: &Value) -> Ordering {
    match (x, y) {
        (Value::Double(_), _) | (_, Value::Double(_)) => match (x.as_f64(), y.as_f64()) {
            (Some(a), Some(b)) => crate::types::OrderedF64(a).cmp(&crate::types::OrderedF64(b)),
            _ => x.cmp(y),
        },
        (Value::Int(_) | Value::Long(_), Value::Int(_) | Value::Long(_)) => x.as_i64().cmp(&y.as_i64()),
        _ => x.cmp(y),
    }
}

/// A plan after analysis: bound operators, the sources they read, and the result's shape.
#[derive(Clone, Debug)]
pub struct Analyzed {
    /// The bound operator tree.
    pub root: Node,
    /// The result's schema.
    pub schema: Schema,
    /// The sources, indexed by `Node::Source::index`.
    pub sources: Vec<SourceInput>,
    /// ORDER BY / LIMIT of the result.
    pub order: ResultOrder,
    /// Number of aggregations in the plan.
    pub aggregations: usize,
    /// True if some source is a stream.
    pub streaming: bool,
    /// True if the plan has a sort.
    pub has_sort: bool,
    /// Delay in microseconds of each `with_watermark` (indexed by `Node::Watermark::id`).
    pub watermarks: Vec<i64>,
    /// True if some aggregation has an event-time key under a watermark, so its state can
    /// be dropped once the watermark passes (and append mode is allowed).
    pub has_event_time_aggregate: bool,
    /// Aggregations without an event-time key (append mode refuses any of them).
    pub aggregations_without_event_time: usize,
    /// Spark's operator name of each keyed state operator besides aggregations
    /// (deduplications, stream-stream joins; `window` for a window function over a stream,
    /// which Spark has not), in build order (for progress).
    pub deduplications: Vec<&'static str>,
    /// True if some deduplication evicts state as the watermark passes.
    pub has_expiring_dedup: bool,
    /// True if some stream-stream join evicts state as the watermark passes.
    pub has_evicting_join: bool,
    /// Window nodes (`row_number() OVER ..`) over a stream: stateful, their rows taken back
    /// as partitions change, so not in append mode.
    pub windows: usize,
    /// Spark's refusal of the first window function over a stream (which Sluice keeps in
    /// append mode).
    pub window_refusal: Option<String>,
}

impl Node {
    /// The length of the time windows in column `col` of this node's rows, when the column
    /// is a grouping key `window(time, size[, slide])` passed through unchanged (every
    /// window is `size` long, so its start is its end minus `size`); `None` otherwise
    /// (session windows, computed columns).
    pub fn window_length(&self, col: usize) -> Option<i64> {
        match self {
            Node::Map { input, exprs } => input.window_length(exprs.get(col)?.column_index()?),
            Node::Filter { input, .. } | Node::Watermark { input, .. } | Node::Deduplicate { input, .. } => {
                input.window_length(col)
            }
            Node::Aggregate { agg, .. } => {
                let w = agg.window.as_ref().filter(|w| w.session_gap.is_none())?;
                (agg.output.get(col)?.column_index() == Some(w.key)).then_some(w.size)
            }
            _ => None,
        }
    }

    /// The inputs of this node, in order.
    pub fn children(&self) -> Vec<&Node> {
        match self {
            Node::Source { .. } => Vec::new(),
            Node::Map { input, .. }
            | Node::Filter { input, .. }
            | Node::Watermark { input, .. }
            | Node::Aggregate { input, .. }
            | Node::Window { input, .. }
            | Node::Generate { input, .. }
            | Node::Deduplicate { input, .. } => vec![input],
            Node::Union { inputs } => inputs.iter().collect(),
            Node::Join { left, right, .. } => vec![left, right],
        }
    }

    /// This node with each input replaced by `f(input)`.
    pub fn map_children(self, f: &mut dyn FnMut(Node) -> Node) -> Node {
        let mut sub = |n: Box<Node>| Box::new(f(*n));
        match self {
            Node::Source { index } => Node::Source { index },
            Node::Map { input, exprs } => Node::Map { input: sub(input), exprs },
            Node::Filter { input, predicate } => Node::Filter { input: sub(input), predicate },
            Node::Watermark { input, column, id } => Node::Watermark { input: sub(input), column, id },
            Node::Aggregate { input, agg } => Node::Aggregate { input: sub(input), agg },
            Node::Join { left, right, join } => {
                let left = sub(left);
                Node::Join { left, right: sub(right), join }
            }
            Node::Window { input, window } => Node::Window { input: sub(input), window },
            Node::Generate { input, generate } => Node::Generate { input: sub(input), generate },
            Node::Deduplicate { input, dedup } => Node::Deduplicate { input: sub(input), dedup },
            Node::Union { inputs } => Node::Union { inputs: inputs.into_iter().map(f).collect() },
        }
    }
}

impl Analyzed {
    /// True if the plan joins two inputs.
    pub fn has_join(&self) -> bool {
        self.has_join_where(|_| true)
    }

    fn has_join_where(&self, pick: impl Fn(&JoinNode) -> bool + Copy) -> bool {
        fn walk(n: &Node, pick: impl Fn(&JoinNode) -> bool + Copy) -> bool {
            match n {
                Node::Source { .. } => false,
                Node::Map { input, .. }
                | Node::Filter { input, .. }
                | Node::Watermark { input, .. }
                | Node::Deduplicate { input, .. }
                | Node::Window { input, .. }
                | Node::Generate { input, .. }
                | Node::Aggregate { input, .. } => walk(input, pick),
                Node::Union { inputs } => inputs.iter().any(|i| walk(i, pick)),
                Node::Join { left, right, join } => pick(join) || walk(left, pick) || walk(right, pick),
            }
        }
        walk(&self.root, pick)
    }
}

/// Analyses a plan: resolves and types every expression, and, with `prune`, reads from
/// each source only the columns some operator needs (projection pushdown).
pub fn analyze(plan: &LogicalPlan, prune: bool) -> Result<Analyzed> {
    let streaming = plan.is_streaming();
    let mut a = Analyzer::new(prune, streaming);
    let (top, order_plan, limit) = split_order(plan)?;
    let (mut root, mut schema) = a.resolve(top, None)?;
    let mut order = ResultOrder { keys: Vec::new(), limit, width: None };
    if let Some(keys) = order_plan {
        let resolved: Vec<Result<usize>> = keys.iter().map(|k| resolve_sort_key(&k.expr, &schema)).collect();
        let hidden = match top {
            // As Spark does, a projection may be sorted by input columns it does not keep:
            // they ride along as hidden columns, dropped once the rows are sorted.
            LogicalPlan::Project { input, exprs } if resolved.iter().any(Result::is_err) => {
                let mut exprs = exprs.clone();
                let visible = schema.len();
                let mut indices = Vec::new();
                for (k, r) in keys.iter().zip(&resolved) {
                    indices.push(match r {
                        Ok(i) => *i,
                        Err(_) => {
                            exprs.push(k.expr.clone().alias(&format!("__sort_key_{}", exprs.len())));
                            exprs.len() - 1
                        }
                    });
                }
                let extended = LogicalPlan::Project { input: input.clone(), exprs };
                a = Analyzer::new(prune, streaming);
                match a.resolve(&extended, None) {
                    Ok((r, mut s)) => {
                        root = r;
                        s.fields.truncate(visible);
                        schema = s;
                        order.width = Some(visible);
                        Some(indices)
                    }
                    // A key that does not resolve below either: report it against the result.
                    Err(_) => None,
                }
            }
            _ => None,
        };
        let indices = match hidden {
            Some(indices) => indices,
            None => resolved.into_iter().collect::<Result<_>>()?,
        };
        for (k, i) in keys.iter().zip(indices) {
            order.keys.push((i, k.ascending, k.nulls_first));
        }
    }
    let (root, mut sources) = shared::share_sources(root, a.sources);
    let root = pushdown::below_watermarks(root);
    pushdown::into_sources(&root, &mut sources);
    let (root, watermarks) = shared::share_watermarks(root, a.watermarks);
    Ok(Analyzed {
        root,
        schema,
        streaming,
        has_sort: order_plan.is_some(),
        sources,
        order,
        aggregations: a.aggregations,
        watermarks,
        has_event_time_aggregate: a.event_time_aggregate,
        aggregations_without_event_time: a.aggregations_without_event_time,
        deduplications: a.deduplications,
        has_expiring_dedup: a.expiring_dedup,
        has_evicting_join: a.stream_join_evicts,
        windows: a.windows,
        window_refusal: a.window_refusal,
    })
}

/// The plan under its top `Sort`/`Limit`, with those.
type Peeled<'a> = (&'a LogicalPlan, Option<&'a Vec<SortOrder>>, Option<usize>);

/// Peels `Limit` and `Sort` off the top of the plan: they apply to the result table.
fn split_order(plan: &LogicalPlan) -> Result<Peeled<'_>> {
    let mut node = plan;
    let mut limit = None;
    let mut order = None;
    loop {
        match node {
            LogicalPlan::Limit { input, n } if order.is_none() => {
                limit = Some(limit.map_or(*n, |l: usize| l.min(*n)));
                node = input;
            }
            LogicalPlan::Sort { input, order: keys } if order.is_none() => {
                order = Some(keys);
                node = input;
            }
            _ => break,
        }
    }
    if contains_order(node) {
        return Err(SluiceError::analysis(
            "ORDER BY / sort and LIMIT are supported only as the last operations of a query",
        ));
    }
    Ok((node, order, limit))
}

fn contains_order(plan: &LogicalPlan) -> bool {
    match plan {
        LogicalPlan::Source(_) => false,
        LogicalPlan::Sort { .. } | LogicalPlan::Limit { .. } => true,
        LogicalPlan::Project { input, .. }
        | LogicalPlan::Filter { input, .. }
        | LogicalPlan::Aggregate { input, .. }
        | LogicalPlan::Watermark { input, .. }
        | LogicalPlan::SubqueryAlias { input, .. }
        | LogicalPlan::Deduplicate { input, .. }
        | LogicalPlan::Distinct { input }
        | LogicalPlan::Generate { input, .. }
        | LogicalPlan::GroupingSets { input, .. } => contains_order(input),
        LogicalPlan::Union { inputs } => inputs.iter().any(|i| contains_order(i)),
        LogicalPlan::Join { left, right, .. } => contains_order(left) || contains_order(right),
    }
}

/// Resolves a sort key against the result columns: by name, or by an expression equal to a column's.
fn resolve_sort_key(expr: &Expr, schema: &Schema) -> Result<usize> {
    if let Expr::Column(parts) = expr.unaliased() {
        if parts.len() == 1 {
            if let Some(i) = schema.index_of(&parts[0]) {
                return Ok(i);
            }
        }
    }
    if let Expr::Literal(Value::Int(n)) = expr {
        // ORDER BY 2: ordinal position, as in Spark SQL.
        if *n >= 1 && (*n as usize) <= schema.len() {
            return Ok(*n as usize - 1);
        }
    }
    let name = expr.output_name();
    schema.index_of(&name).ok_or_else(|| {
        SluiceError::analysis(format!(
            "cannot sort by `{name}`: sort keys must be result columns [{}]",
            schema.names().join(", ")
        ))
    })
}

struct Analyzer {
    sources: Vec<SourceInput>,
    aggregations: usize,
    prune: bool,
    /// Watermarks apply to streams only: a batch query ignores `with_watermark`.
    streaming: bool,
    watermarks: Vec<i64>,
    /// Index of the event-time column in the output of the node resolved last.
    event_time: Option<usize>,
    event_time_aggregate: bool,
    aggregations_without_event_time: usize,
    deduplications: Vec<&'static str>,
    expiring_dedup: bool,
    stream_join_evicts: bool,
    /// Window nodes over a stream.
    windows: usize,
    /// Spark's refusal of the first window function over a stream.
    window_refusal: Option<String>,
    /// Qualifiers of each output column of the node resolved last (see `join::Scope`).
    qualifiers: Qualifiers,
}

type Required = Option<HashSet<String>>;

fn refs_of<'a>(exprs: impl IntoIterator<Item = &'a Expr>) -> Required {
    let mut set = HashSet::new();
    for e in exprs {
        set.extend(column_refs(e)?);
    }
    Some(set)
}

/// The columns an expression may read: first name parts, and second parts too, since
/// `a.x` may name column `x` of a table `a`.
fn column_refs(e: &Expr) -> Option<Vec<String>> {
    let mut cols = e.referenced_columns()?;
    e.visit(&mut |n| {
        if let Expr::Column(parts) = n {
            if let Some(p) = parts.get(1) {
                cols.push(p.to_ascii_lowercase());
            }
        }
    });
    Some(cols)
}

impl Analyzer {
    fn new(prune: bool, streaming: bool) -> Self {
        Analyzer {
            sources: Vec::new(),
            aggregations: 0,
            prune,
            streaming,
            watermarks: Vec::new(),
            event_time: None,
            event_time_aggregate: false,
            aggregations_without_event_time: 0,
            deduplications: Vec::new(),
            expiring_dedup: false,
            stream_join_evicts: false,
            windows: 0,
            window_refusal: None,
            qualifiers: Vec::new(),
        }
    }

    /// How expressions over the last resolved node's output bind: `None` when its names
    /// are unique and unqualified (they bind as written).
    fn scope(&self, schema: &Schema) -> Option<Scope> {
        let scope = Scope::new(schema, &self.qualifiers);
        (!scope.is_plain()).then_some(scope)
    }

    fn resolve(&mut self, plan: &LogicalPlan, required: Required) -> Result<(Node, Schema)> {
        let required = if self.prune { required } else { None };
        match plan {
            LogicalPlan::Source(spec) => {
                let projection: Vec<usize> = (0..spec.schema.len())
                    .filter(|&i| {
                        required
                            .as_ref()
                            .is_none_or(|r| r.contains(&spec.schema.fields[i].name.to_ascii_lowercase()))
                    })
                    .collect();
                let schema = Schema::new(projection.iter().map(|&i| spec.schema.fields[i].clone()).collect());
                self.sources.push(SourceInput { spec: spec.clone(), projection, filter: None });
                self.event_time = None;
                self.qualifiers = Vec::new();
                Ok((Node::Source { index: self.sources.len() - 1 }, schema))
            }
            LogicalPlan::Filter { input, predicate } => {
                if predicate.contains_aggregate() {
                    return Err(SluiceError::analysis(format!(
                        "[INVALID_WHERE_CONDITION] The WHERE condition \"{}\" contains invalid expressions. Rewrite the query to avoid window functions, aggregate functions, and generator functions in the WHERE clause.",
                        predicate.output_name()
                    )));
                }
                let child_req = match (required, column_refs(predicate)) {
                    (Some(mut r), Some(p)) => {
                        r.extend(p);
                        Some(r)
                    }
                    _ => None,
                };
                let (child, schema) = self.resolve(input, child_req)?;
                let bound = match self.scope(&schema) {
                    Some(scope) => scope.rewrite(predicate)?.bind(&scope.internal)?,
                    None => predicate.bind(&schema)?,
                };
                if !matches!(bound.data_type(), DataType::Boolean | DataType::Null) {
                    return Err(SluiceError::analysis(format!(
                        "[DATATYPE_MISMATCH.FILTER_NOT_BOOLEAN] Cannot resolve \"{}\": filter expression of type \"{}\" is not a boolean.",
                        predicate.output_name(),
                        bound.data_type().sql_name().to_ascii_uppercase()
                    )));
                }
                let mut child = child;
                window::infer_limit(&mut child, &bound);
                Ok((Node::Filter { input: Box::new(child), predicate: bound }, schema))
            }
            LogicalPlan::Project { input, exprs } => {
                let kept: Vec<&Expr> = match &required {
                    // A generator's columns are not its select item's name: keep every item.
                    Some(r) if !exprs.iter().any(|e| matches!(e, Expr::Star(_)) || has_generator(e)) => {
                        exprs.iter().filter(|e| r.contains(&e.output_name().to_ascii_lowercase())).collect()
                    }
                    _ => exprs.iter().collect(),
                };
                let (child, schema) = self.resolve(input, refs_of(kept.iter().copied()))?;
                // `*` means the input's columns, not those window calls and generators append.
                let star_width = schema.len();
                // Window calls: a chain of window nodes under this projection (`window.rs`).
                let windowed;
                let (child, schema, kept) = if kept.iter().any(|e| window::has_window_call(e)) {
                    let mut child = child;
                    if input.is_streaming() {
                        // Spark refuses every window function on a stream; Sluice outside
                        // append mode (`check_streaming_mode`).
                        self.window_refusal.get_or_insert_with(|| window::streaming_refusal(&kept));
                    }
                    if contains_aggregate(&child) {
                        // The aggregation's rows change: it emits each change as a retraction
                        // and an addition, which the window takes exactly.
                        mark_feeding_aggregates(&mut child);
                    }
                    let (node, schema, qualifiers, exprs) =
                        window::plan_windows(child, schema, &self.qualifiers, &kept)?;
                    if input.is_streaming() {
                        let mut n = &node;
                        while let Node::Window { input, .. } = n {
                            self.windows += 1;
                            self.deduplications.push("window");
                            n = input;
                        }
                    }
                    self.qualifiers = qualifiers;
                    windowed = exprs;
                    (node, schema, windowed.iter().collect())
                } else {
                    (child, schema, kept)
                };
                // A generator: its node under this projection (`generate.rs`).
                let generated;
                let (child, schema, kept) = if kept.iter().any(|e| has_generator(e)) {
                    let (node, schema, qualifiers, exprs) =
                        generate::plan_generator(child, schema, &self.qualifiers, &kept)?;
                    self.qualifiers = qualifiers;
                    generated = exprs;
                    (node, schema, generated.iter().collect())
                } else {
                    (child, schema, kept)
                };
                let child_event_time = self.event_time.take();
                let mut window_event_time = None;
                let scope = Scope::new(&schema, &self.qualifiers);
                let mut bound = Vec::new();
                let mut fields = Vec::new();
                let mut qualifiers = Vec::new();
                for e in kept {
                    if let Expr::Star(q) = e {
                        let cols = match q {
                            Some(q) => scope.star(q)?,
                            None => (0..star_width).collect(),
                        };
                        for i in cols {
                            if child_event_time == Some(i) {
                                self.event_time = Some(fields.len());
                            }
                            bound.push(scope.column(i).bind(&scope.internal)?);
                            fields.push(schema.fields[i].clone());
                            qualifiers.push(scope.qualifiers_of(i).to_vec());
                        }
                        continue;
                    }
                    // The event-time column keeps its role when passed through (renamed or not),
                    // and a column passed through unrenamed keeps its qualifiers (as Spark's attributes).
                    let passed = scope.index_of_reference(e.unaliased());
                    if passed.is_some() && passed == child_event_time {
                        self.event_time = Some(fields.len());
                    }
                    // A tumbling window over the event time carries the watermark too (Spark's
                    // `TimeWindowing` keeps the time column's metadata), e.g. a join on it.
                    if let Expr::Function { name, args, .. } = e.unaliased() {
                        let over_event_time = args
                            .first()
                            .and_then(|a| scope.index_of_reference(a.unaliased()))
                            .is_some_and(|i| Some(i) == child_event_time);
                        if name.eq_ignore_ascii_case("window") && args.len() == 2 && over_event_time {
                            window_event_time.get_or_insert(fields.len());
                        }
                    }
                    qualifiers.push(match (passed, e) {
                        (Some(i), Expr::Column(_)) => scope.qualifiers_of(i).to_vec(),
                        _ => Vec::new(),
                    });
                    let b = scope.rewrite(e)?.bind(&scope.internal)?;
                    let mut field = Field::new(scope.rewrite_named(e)?.output_name(), b.data_type().clone());
                    if let Some(i) = passed {
                        field.nullable = schema.fields[i].nullable;
                    }
                    fields.push(field);
                    bound.push(b);
                }
                if self.event_time.is_none() {
                    self.event_time = window_event_time;
                }
                self.qualifiers = qualifiers;
                Ok((Node::Map { input: Box::new(child), exprs: bound }, Schema::new(fields)))
            }
            LogicalPlan::Aggregate { input, group, output, having } => {
                self.aggregations += 1;
                let child_req = refs_of(group.iter().chain(output.iter()).chain(having.iter()));
                let (mut child, schema) = self.resolve(input, child_req)?;
                let event_time = self.event_time.take();
                let (mut agg, out_schema) = match self.scope(&schema) {
                    None => resolve_aggregate(&schema, group, output, having.as_ref(), event_time, None)?,
                    Some(scope) => {
                        let group: Vec<Expr> =
                            group.iter().map(|g| scope.rewrite(g)).collect::<Result<_>>()?;
                        let output: Vec<Expr> =
                            output.iter().map(|o| scope.rewrite_named(o)).collect::<Result<_>>()?;
                        let having = having.as_ref().map(|h| scope.rewrite(h)).transpose()?;
                        resolve_aggregate(
                            &scope.internal,
                            &group,
                            &output,
                            having.as_ref(),
                            event_time,
                            None,
                        )?
                    }
                };
                self.qualifiers = Vec::new();
                agg.default_row = !self.streaming && agg.keys.is_empty();
                chain_onto(&mut child, &mut agg);
                self.event_time_aggregate |= agg.event_time_key.is_some();
                self.event_time = agg.output_event_time;
                if agg.event_time_key.is_none() {
                    self.aggregations_without_event_time += 1;
                }
                Ok((Node::Aggregate { input: Box::new(child), agg: Box::new(agg) }, out_schema))
            }
            LogicalPlan::Union { inputs } => {
                // Columns match by position, so every input keeps all of its columns.
                let mut nodes = Vec::new();
                let mut first: Option<(Schema, Option<usize>)> = None;
                let mut first_qualifiers = Vec::new();
                let mut schemas = Vec::new();
                for input in inputs {
                    let (node, schema) = self.resolve(input, None)?;
                    let event_time = self.event_time.take();
                    first = Some(match first.take() {
                        None => {
                            first_qualifiers = std::mem::take(&mut self.qualifiers);
                            (schema.clone(), event_time)
                        }
                        Some((s0, first_event_time)) => {
                            if s0.len() != schema.len() {
                                return Err(SluiceError::analysis(format!(
                                    "[NUM_COLUMNS_MISMATCH] UNION can only be performed on inputs with the same number of columns, but the first input has {} columns and another input has {} columns.",
                                    s0.len(),
                                    schema.len()
                                )));
                            }
                            // Columns widen to the type both inputs' values fit (Spark's
                            // `WidenSetOperationTypes`); inputs are cast to it below.
                            let mut widened = s0.clone();
                            for (i, (a, b)) in s0.fields.iter().zip(&schema.fields).enumerate() {
                                let Some(t) = crate::eval::wider_type(&a.data_type, &b.data_type) else {
                                    return Err(SluiceError::analysis(format!(
                                        "[INCOMPATIBLE_COLUMN_TYPE] UNION can only be performed on inputs with compatible column types. Column {} (`{}`) is {} in the first input and {} in another.",
                                        i + 1,
                                        a.name,
                                        a.data_type.sql_name(),
                                        b.data_type.sql_name()
                                    )));
                                };
                                widened.fields[i].data_type = t;
                                widened.fields[i].nullable |= b.nullable;
                            }
                            (widened, first_event_time)
                        }
                    });
                    schemas.push(schema);
                    nodes.push(node);
                }
                let (schema, event_time) =
                    first.ok_or_else(|| SluiceError::analysis("UNION needs inputs"))?;
                let nodes = nodes
                    .into_iter()
                    .zip(&schemas)
                    .map(|(node, own)| {
                        if own.fields.iter().zip(&schema.fields).all(|(a, b)| a.data_type == b.data_type) {
                            return node;
                        }
                        let exprs = own
                            .fields
                            .iter()
                            .zip(&schema.fields)
                            .enumerate()
                            .map(|(i, (a, b))| {
                                BoundExpr::column(i, a.data_type.clone()).cast_to(&b.data_type)
                            })
                            .collect();
                        Node::Map { input: Box::new(node), exprs }
                    })
                    .collect();
                self.event_time = event_time;
                self.qualifiers = first_qualifiers;
                Ok((Node::Union { inputs: nodes }, schema))
            }
            LogicalPlan::Watermark { input, column, delay } => {
                let child_req = required.map(|mut r| {
                    r.insert(column.to_ascii_lowercase());
                    r
                });
                let (child, schema) = self.resolve(input, child_req)?;
                let index = schema.resolve(column)?;
                let field = &schema.fields[index];
                if field.data_type != DataType::Timestamp {
                    return Err(SluiceError::analysis(format!(
                        "Event time must be defined on a window or a timestamp, but {} is of type {}",
                        field.name,
                        field.data_type.sql_name()
                    )));
                }
                let delay_us = crate::time::parse_interval_micros(delay)
                    .ok()
                    .filter(|d| *d >= 0)
                    .ok_or_else(|| SluiceError::analysis(format!("Unable to parse time delay '{delay}'")))?;
                if !self.streaming {
                    // `with_watermark` on a batch DataFrame does nothing, as in Spark.
                    return Ok((child, schema));
                }
                self.watermarks.push(delay_us);
                self.event_time = Some(index);
                let id = self.watermarks.len() - 1;
                Ok((Node::Watermark { input: Box::new(child), column: index, id }, schema))
            }
            LogicalPlan::Deduplicate { input, columns, within_watermark } => {
                let child_req = match required {
                    Some(mut r) if !columns.is_empty() => {
                        r.extend(columns.iter().map(|c| c.to_ascii_lowercase()));
                        Some(r)
                    }
                    _ => None,
                };
                let (mut child, schema) = self.resolve(input, child_req)?;
                let event_time = self.event_time;
                if self.streaming && *within_watermark && event_time.is_none() {
                    return Err(SluiceError::analysis(
                        "dropDuplicatesWithinWatermark is not supported on streaming DataFrames/DataSets without watermark",
                    ));
                }
                let mut dedup =
                    resolve_dedup(&schema, columns, *within_watermark, event_time, &self.watermarks)?;
                if contains_aggregate(&child) {
                    // Outside append mode the aggregation's rows change: it emits each change
                    // as a retraction and an addition, which the deduplication takes exactly.
                    dedup.over_aggregate = true;
                    mark_feeding_aggregates(&mut child);
                }
                if self.streaming {
                    self.deduplications.push(dedup.expiry.operator_name());
                    self.expiring_dedup |= dedup.expiry != DedupExpiry::Never;
                }
                Ok((Node::Deduplicate { input: Box::new(child), dedup }, schema))
            }
            LogicalPlan::GroupingSets { input, group, sets, output, having } => {
                self.aggregations += 1;
                let child_req = refs_of(group.iter().chain(output.iter()).chain(having.iter()));
                let (mut child, schema) = self.resolve(input, child_req)?;
                let event_time = self.event_time.take();
                let (mut agg, out_schema) =
                    resolve_aggregate(&schema, group, output, having.as_ref(), event_time, Some(sets))?;
                chain_onto(&mut child, &mut agg);
                self.event_time_aggregate |= agg.event_time_key.is_some();
                if agg.event_time_key.is_none() {
                    self.aggregations_without_event_time += 1;
                }
                self.qualifiers = Vec::new();
                Ok((Node::Aggregate { input: Box::new(child), agg: Box::new(agg) }, out_schema))
            }
            LogicalPlan::Distinct { input } => {
                self.aggregations += 1;
                let (mut child, schema) = self.resolve(input, None)?;
                let event_time = self.event_time.take();
                let columns: Vec<Expr> =
                    schema.names().iter().map(|n| Expr::Column(vec![n.clone()])).collect();
                let (mut agg, out_schema) =
                    resolve_aggregate(&schema, &columns, &columns, None, event_time, None)?;
                agg.default_row = false;
                chain_onto(&mut child, &mut agg);
                self.event_time_aggregate |= agg.event_time_key.is_some();
                if let Some(k) = agg.event_time_key {
                    // The event-time column stays one in the result (it is a column of it).
                    self.event_time = Some(k);
                } else {
                    self.aggregations_without_event_time += 1;
                }
                self.qualifiers = Vec::new();
                Ok((Node::Aggregate { input: Box::new(child), agg: Box::new(agg) }, out_schema))
            }
            LogicalPlan::Generate { input, generator, outer, qualifier, names } => {
                let child_req = match (required, column_refs(generator)) {
                    (Some(mut r), Some(c)) => {
                        r.extend(c);
                        Some(r)
                    }
                    _ => None,
                };
                let (child, schema) = self.resolve(input, child_req)?;
                let names = (!names.is_empty()).then_some(names.as_slice());
                let (node, schema, qualifiers, _) = generate::append_generated(
                    child,
                    schema,
                    &self.qualifiers,
                    generator,
                    names,
                    *outer,
                    qualifier.as_deref(),
                    false,
                )?;
                self.qualifiers = qualifiers;
                Ok((node, schema))
            }
            LogicalPlan::SubqueryAlias { input, alias } => {
                let (node, schema) = self.resolve(input, required)?;
                self.qualifiers = vec![vec![alias.clone()]; schema.len()];
                Ok((node, schema))
            }
            LogicalPlan::Join { left, right, kind, condition } => {
                let child_req = match (required, condition) {
                    (Some(mut r), JoinCondition::On(e)) => column_refs(e).map(|c| {
                        r.extend(c);
                        r
                    }),
                    (Some(mut r), JoinCondition::Using(cols)) => {
                        r.extend(cols.iter().map(|c| c.to_ascii_lowercase()));
                        Some(r)
                    }
                    (r, _) => r,
                };
                let marks = self.watermarks.len();
                let (lnode, lschema) = self.resolve(left, child_req.clone())?;
                let (lq, let_time) = (std::mem::take(&mut self.qualifiers), self.event_time.take());
                let left_watermark = self.watermarks.len() > marks;
                let marks = self.watermarks.len();
                let (rnode, rschema) = self.resolve(right, child_req)?;
                let (rq, ret_time) = (std::mem::take(&mut self.qualifiers), self.event_time.take());
                let right_watermark = self.watermarks.len() > marks;
                let resolved = join::resolve_join(
                    join::Side {
                        schema: &lschema,
                        qualifiers: &lq,
                        streaming: left.is_streaming(),
                        watermark: left_watermark,
                        event_time: let_time,
                        window_length: let_time.and_then(|c| lnode.window_length(c)),
                    },
                    join::Side {
                        schema: &rschema,
                        qualifiers: &rq,
                        streaming: right.is_streaming(),
                        watermark: right_watermark,
                        event_time: ret_time,
                        window_length: ret_time.and_then(|c| rnode.window_length(c)),
                    },
                    *kind,
                    condition,
                )?;
                if self.streaming && resolved.node.is_stream_stream() {
                    self.deduplications.push("symmetricHashJoin");
                    let (min, max) = resolved.node.time_range;
                    self.stream_join_evicts |=
                        resolved.node.event_time_key.is_some() || min.is_some() || max.is_some();
                }
                let lw = lschema.len();
                // The output keeps an event-time column (the left's first) for later operators.
                let raw_event_time = let_time.or(ret_time.map(|i| i + lw).filter(|_| !kind.left_only()));
                let node = Node::Join {
                    left: Box::new(lnode),
                    right: Box::new(rnode),
                    join: Box::new(resolved.node),
                };
                match resolved.using {
                    None => {
                        self.qualifiers = resolved.qualifiers;
                        self.event_time = raw_event_time;
                        Ok((node, resolved.schema))
                    }
                    Some((exprs, schema, qualifiers)) => {
                        self.qualifiers = qualifiers;
                        self.event_time = raw_event_time
                            .and_then(|t| exprs.iter().position(|e| e.column_index() == Some(t)));
                        Ok((Node::Map { input: Box::new(node), exprs }, schema))
                    }
                }
            }
            LogicalPlan::Sort { .. } | LogicalPlan::Limit { .. } => Err(SluiceError::analysis(
                "ORDER BY / sort and LIMIT are supported only as the last operations of a query",
            )),
        }
    }
}

/// Binds a deduplication's key columns and decides how its state expires (Spark's
/// `StreamingDeduplicateExec` and `StreamingDeduplicateWithinWatermarkExec`).
fn resolve_dedup(
    schema: &Schema,
    columns: &[String],
    within_watermark: bool,
    event_time: Option<usize>,
    watermarks: &[i64],
) -> Result<DedupNode> {
    let keys: Vec<usize> = if columns.is_empty() {
        (0..schema.len()).collect()
    } else {
        let mut keys = Vec::new();
        for c in columns {
            let i = schema.index_of(c).ok_or_else(|| {
                SluiceError::analysis(format!(
                    "[UNRESOLVED_COLUMN_AMONG_FIELD_NAMES] Cannot resolve column name \"{c}\" among ({}).",
                    schema.names().join(", ")
                ))
            })?;
            if !keys.contains(&i) {
                keys.push(i);
            }
        }
        keys
    };
    let expiry = match event_time {
        None => DedupExpiry::Never,
        Some(c) if within_watermark => {
            // The delay of the watermark that defined this column (the last one applied).
            let delay = watermarks.last().copied().unwrap_or(0);
            DedupExpiry::WithinWatermark(c, delay)
        }
        Some(c) if keys.contains(&c) => DedupExpiry::EventTime(c),
        Some(_) => DedupExpiry::Never,
    };
    Ok(DedupNode { keys, event_time, expiry, over_aggregate: false })
}

/// Spark's error for an aggregate called with more arguments than it takes: `count`
/// takes any number, `first`/`last` an ignore-nulls flag (Sluice's first and last skip
/// NULLs either way), `approx_count_distinct` a relative error; the others one.
fn arity_error(func: AggFunc, call: &Expr) -> Option<SluiceError> {
    let Expr::Function { name, args, .. } = call else { return None };
    let most = match func {
        AggFunc::Count => {
            return args.iter().any(|a| matches!(a, Expr::Star(Some(_)))).then(|| {
                SluiceError::analysis(format!(
                    "[INVALID_USAGE_OF_STAR_WITH_TABLE_IDENTIFIER_IN_COUNT] count({}) is not allowed. Please use count(*) or expand the columns manually, e.g. count(col1, col2).",
                    args.iter().map(Expr::output_name).collect::<Vec<_>>().join(", ")
                ))
            })
        }
        AggFunc::First | AggFunc::Last | AggFunc::ApproxCountDistinct => 2,
        f if f.is_two_column() => {
            return (args.len() != 2).then(|| {
                SluiceError::analysis(format!(
                    "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{name}` requires 2 parameters but the actual number is {}.",
                    args.len()
                ))
            })
        }
        AggFunc::HistogramNumeric => {
            return (args.len() != 2).then(|| {
                SluiceError::analysis(format!(
                    "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{name}` requires 2 parameters but the actual number is {}.",
                    args.len()
                ))
            })
        }
        AggFunc::Percentile | AggFunc::PercentileApprox if name != "median" => {
            if args.len() < 2 {
                return Some(SluiceError::analysis(format!(
                    "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{name}` requires [2, 3] parameters but the actual number is {}.",
                    args.len()
                )));
            }
            3
        }
        _ => 1,
    };
    if args.len() <= most {
        return None;
    }
    let wanted = match most {
        1 => "1",
        2 => "[1, 2]",
        _ => "[2, 3]",
    };
    Some(SluiceError::analysis(format!(
        "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{name}` requires {wanted} parameters but the actual number is {}.",
        args.len()
    )))
}

/// Spark's error for an aggregate called with no argument (`count()` is not `count(*)`).
fn no_argument_error(call: &Expr) -> SluiceError {
    let name = match call {
        Expr::Function { name, .. } => name.as_str(),
        _ => "",
    };
    SluiceError::analysis(if name.eq_ignore_ascii_case("count") {
        "[WRONG_NUM_ARGS.WITH_SUGGESTION] The `count` requires >= 1 parameters but the actual number is 0. If you have to call this function with 0 parameters, set the legacy configuration `spark.sql.legacy.allowParameterlessCount` to true.".to_string()
    } else {
        format!("[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{name}` requires 1 parameters but the actual number is 0.")
    })
}

/// The aggregate call at the top of `e`, if it is one: `(function, argument, distinct)`.
fn as_aggregate(e: &Expr) -> Option<(AggFunc, Option<Expr>, bool)> {
    if let Expr::Function { name, args, distinct } = e {
        let func = AggFunc::from_name(name)?;
        let arg = match args.as_slice() {
            [Expr::Star(_)] | [] => None,
            // `count(1)` counts rows; `count(DISTINCT 1)` counts the one distinct value.
            [Expr::Literal(v)] if name == "count" && !v.is_null() && !*distinct => None,
            // Spark's `count(a, b, ..)`: the rows where none is NULL (and with DISTINCT, the
            // distinct tuples of them), counted as one struct that is NULL when any is.
            [_, _, ..] if func == AggFunc::Count => {
                let any_null = args
                    .iter()
                    .map(|a| Expr::IsNull(Box::new(a.clone())))
                    .reduce(|l, r| Expr::Binary { op: BinaryOp::Or, left: Box::new(l), right: Box::new(r) })
                    .expect("two arguments or more");
                Some(Expr::Case {
                    operand: None,
                    branches: vec![(any_null, Expr::Literal(Value::Null))],
                    else_expr: Some(Box::new(Expr::Function {
                        name: "struct".into(),
                        args: args.clone(),
                        distinct: false,
                    })),
                })
            }
            // `corr(x, y)` and the covariances: the pair as doubles, NULL when either is.
            [x, y] if func.is_two_column() => {
                let either_null = Expr::Binary {
                    op: BinaryOp::Or,
                    left: Box::new(Expr::IsNull(Box::new(x.clone()))),
                    right: Box::new(Expr::IsNull(Box::new(y.clone()))),
                };
                let double = |e: &Expr| Expr::Cast(Box::new(e.clone()), DataType::Double);
                Some(Expr::Case {
                    operand: None,
                    branches: vec![(either_null, Expr::Literal(Value::Null))],
                    else_expr: Some(Box::new(Expr::Function {
                        name: "struct".into(),
                        args: vec![double(x), double(y)],
                        distinct: false,
                    })),
                })
            }
            [a] if name == "count_if" => Some(Expr::Case {
                operand: None,
                branches: vec![(a.clone(), Expr::Literal(Value::Boolean(true)))],
                else_expr: None,
            }),
            [a, ..] => Some(a.clone()),
        };
        return Some((func, arg, *distinct));
    }
    None
}

fn resolve_aggregate(
    input: &Schema,
    group: &[Expr],
    output: &[Expr],
    having: Option<&Expr>,
    event_time: Option<usize>,
    sets: Option<&[Vec<usize>]>,
) -> Result<(AggregateNode, Schema)> {
    let mut keys = Vec::new();
    let mut inter = Schema::default();
    let mut window = None;
    let mut event_time_key = None;
    fn is_event_time(input: &Schema, event_time: Option<usize>, e: &Expr) -> bool {
        match e.unaliased() {
            Expr::Column(parts) if parts.len() == 1 => {
                event_time.is_some() && input.index_of(&parts[0]) == event_time
            }
            // The event time of an upstream window's rows (Spark 3.4's chained aggregations).
            Expr::Function { name, args, .. } if name == "window_time" && args.len() == 1 => {
                is_event_time(input, event_time, &args[0])
            }
            _ => false,
        }
    }
    let is_event_time = |e: &Expr| is_event_time(input, event_time, e);
    for (i, g) in group.iter().enumerate() {
        if let Some(gen) = window_key(input, g.unaliased(), i)? {
            if window.is_some() {
                return Err(SluiceError::analysis("Multiple time/session window expressions would result in a cartesian product of rows, therefore they are currently not supported."));
            }
            if let Expr::Function { args, .. } = g.unaliased() {
                if is_event_time(&args[0]) {
                    event_time_key = Some(i);
                }
            }
            inter.fields.push(Field::new(format!("_g{i}"), crate::eval::window_struct_type()));
            keys.push(Expr::Literal(Value::Null).bind(input)?);
            window = Some(gen);
            continue;
        }
        if is_event_time(g) {
            event_time_key = Some(i);
        }
        let b = g.bind(input)?;
        inter.fields.push(Field::new(format!("_g{i}"), b.data_type().clone()));
        keys.push(b);
    }
    let group_norm: Vec<Expr> = group.iter().map(|g| g.normalized()).collect();
    let (grouping_sets, grouping_calls) =
        crate::grouping::bind_grouping_sets(&group_norm, sets, output.iter().chain(having))?;
    if grouping_sets.is_some() {
        inter.fields.push(Field::new("_gid", DataType::Long));
        for (j, (_, t)) in grouping_calls.iter().enumerate() {
            inter.fields.push(Field::new(format!("_x{j}"), t.clone()));
        }
    }

    // HAVING may name output aliases: substitute the aliased expressions.
    let having = having.map(|h| {
        h.clone().transform_down(&mut |e| match e {
            Expr::Column(parts) if parts.len() == 1 => output.iter().find_map(|o| match o {
                Expr::Alias(inner, name)
                    if name.eq_ignore_ascii_case(&parts[0]) && input.index_of(name).is_none() =>
                {
                    Some((**inner).clone())
                }
                _ => None,
            }),
            _ => None,
        })
    });

    let mut agg_exprs: Vec<Expr> = Vec::new();
    let mut aggs: Vec<BoundAgg> = Vec::new();
    let mut rewrite = |e: &Expr, inter: &mut Schema| -> Result<Expr> {
        let mut err = None;
        let out = e.clone().transform_down(&mut |node| {
            if crate::grouping::is_grouping_call(node) {
                let norm = node.normalized();
                return grouping_calls
                    .iter()
                    .position(|(c, _)| *c == norm)
                    .map(|j| Expr::Column(vec![format!("_x{j}")]));
            }
            if let Some((func, arg, distinct)) = as_aggregate(node) {
                let norm = node.normalized();
                let j = match agg_exprs.iter().position(|a| *a == norm) {
                    Some(j) => j,
                    None => {
                        let no_args = matches!(node, Expr::Function { args, .. } if args.is_empty());
                        let bound = if no_args {
                            Err(no_argument_error(node))
                        } else if let Some(e) = arity_error(func, node) {
                            Err(e)
                        } else {
                            bind_agg(input, func, arg.as_ref(), distinct, node)
                        };
                        match bound {
                            Ok(b) => {
                                inter
                                    .fields
                                    .push(Field::new(format!("_a{}", aggs.len()), b.output_type.clone()));
                                aggs.push(b);
                                agg_exprs.push(norm);
                            }
                            Err(e) => err = err.take().or(Some(e)),
                        }
                        agg_exprs.len().saturating_sub(1)
                    }
                };
                return Some(Expr::Column(vec![format!("_a{j}")]));
            }
            let norm = node.normalized();
            if let Some(i) = group_norm.iter().position(|g| *g == norm) {
                return Some(Expr::Column(vec![format!("_g{i}")]));
            }
            // `window` (or `session_window`) names the grouping window's column, as Spark's
            // `TimeWindowing` calls it, unless the input has a column of that name.
            // `window.start` is a field of that column.
            if let Expr::Column(parts) = node {
                let name = &parts[0];
                let window_key = |g: &Expr| {
                    matches!(g.unaliased(), Expr::Function { name: f, .. } if f.eq_ignore_ascii_case(name))
                };
                if (name.eq_ignore_ascii_case("window") || name.eq_ignore_ascii_case("session_window"))
                    && input.index_of(&parts.join(".")).is_none()
                    && input.index_of(name).is_none()
                {
                    if let Some(i) = group.iter().position(window_key) {
                        let column = Expr::Column(vec![format!("_g{i}")]);
                        return Some(match &parts[1..] {
                            [] => Expr::Alias(Box::new(column), name.to_ascii_lowercase()),
                            fields => fields
                                .iter()
                                .fold(column, |e, f| Expr::Field(Box::new(e), f.clone())),
                        });
                    }
                }
            }
            None
        });
        match err {
            Some(e) => Err(e),
            None => Ok(out),
        }
    };
    let mut rewritten = Vec::new();
    for o in output {
        rewritten.push((o, rewrite(o, &mut inter)?));
    }
    let having_rewritten = match &having {
        Some(h) => Some((h, rewrite(h, &mut inter)?)),
        None => None,
    };
    let bind_inter = |orig: &Expr, e: &Expr| -> Result<BoundExpr> {
        e.bind(&inter).map_err(|err| match err {
            SluiceError::Analysis(m) if m.contains("UNRESOLVED_COLUMN") && group.is_empty() && sets.is_none() => {
                SluiceError::analysis(
                    "[MISSING_GROUP_BY] The query does not include a GROUP BY clause. Add GROUP BY or turn it into the window functions using OVER clauses.",
                )
            }
            SluiceError::Analysis(m) if m.contains("UNRESOLVED_COLUMN") => {
                let name = orig.unaliased().output_name();
                SluiceError::analysis(format!(
                    "[MISSING_AGGREGATION] The non-aggregating expression \"{name}\" is based on columns which are not participating in the GROUP BY clause. Add the columns or the expression to the GROUP BY, aggregate the expression, or use \"any_value({name})\" if you do not care which of the values within a group is returned."
                ))
            }
            other => other,
        })
    };
    let mut out_bound = Vec::new();
    let mut out_schema = Schema::default();
    // The event-time key passed through as an output column stays the event time downstream.
    let event_key = event_time_key.map(|k| format!("_g{k}"));
    let output_event_time = rewritten.iter().position(|(_, e)| {
        matches!(e.unaliased(), Expr::Column(p) if p.len() == 1 && Some(&p[0]) == event_key.as_ref())
    });
    for (orig, e) in &rewritten {
        let b = bind_inter(orig, e)?;
        out_schema.fields.push(Field::new(orig.output_name(), b.data_type().clone()));
        out_bound.push(b);
    }
    let having = match having_rewritten {
        Some((orig, e)) => Some(bind_inter(orig, &e)?),
        None => None,
    };
    Ok((
        AggregateNode {
            keys,
            aggs,
            output: out_bound,
            having,
            window,
            event_time_key,
            default_row: false,
            grouping_sets,
            output_event_time,
            feeds_aggregate: false,
        },
        out_schema,
    ))
}

/// A `window(time, size[, slide[, start]])` grouping key, bound; `None` for other keys.
fn window_key(input: &Schema, e: &Expr, key: usize) -> Result<Option<WindowGen>> {
    let check_time = |time: &BoundExpr, arg: &Expr| -> Result<()> {
        if *time.data_type() != DataType::Timestamp {
            return Err(SluiceError::analysis(format!(
                "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{}\" due to data type mismatch: the first parameter requires the \"TIMESTAMP\" type, however \"{}\" has the type \"{}\".",
                e.output_name(),
                arg.output_name(),
                time.data_type().sql_name().to_ascii_uppercase()
            )));
        }
        Ok(())
    };
    if let Some(spec) = crate::eval::session_window_spec(e)? {
        let time = spec.time.bind(input)?;
        check_time(&time, &spec.time)?;
        return Ok(Some(WindowGen {
            key,
            time,
            size: 0,
            slide: 0,
            start: 0,
            session_gap: Some(spec.gap_us),
        }));
    }
    let Some(spec) = crate::eval::window_spec(e)? else { return Ok(None) };
    let time = spec.time.bind(input)?;
    check_time(&time, &spec.time)?;
    Ok(Some(WindowGen {
        key,
        time,
        size: spec.size_us,
        slide: spec.slide_us,
        start: spec.start_us,
        session_gap: None,
    }))
}

fn bind_agg(
    input: &Schema,
    func: AggFunc,
    arg: Option<&Expr>,
    distinct: bool,
    call: &Expr,
) -> Result<BoundAgg> {
    let (arg, input_type) = match arg {
        Some(a) => {
            if a.contains_aggregate() {
                return Err(SluiceError::analysis(format!(
                    "[NESTED_AGGREGATE_FUNCTION] It is not allowed to use an aggregate function in the argument of another aggregate function: {}",
                    call.output_name()
                )));
            }
            // `count_if(c)` counts `CASE WHEN c THEN true END`: `c` itself must be a boolean.
            if let Expr::Function { name, args, .. } = call.unaliased() {
                if let (true, Some(c)) = (name == "count_if", args.first()) {
                    AggFunc::check_boolean_input(name, call, c, c.bind(input)?.data_type())?;
                }
            }
            let mut b = a.bind(input)?;
            // `every('true')`: Spark casts a string argument of a boolean aggregate.
            if let Expr::Function { name, .. } = call.unaliased() {
                if AggFunc::is_boolean_aggregate(name) && *b.data_type() == DataType::String {
                    b = Expr::Cast(Box::new(a.clone()), DataType::Boolean).bind(input)?;
                }
            }
            let t = b.data_type().clone();
            (Some(b), t)
        }
        None => (None, DataType::Long),
    };
    if let Expr::Function { name, args, .. } = call.unaliased() {
        if let Some(first) = args.first() {
            AggFunc::check_boolean_input(name, call, first, &input_type)?;
        }
    }
    let numeric_only = func.numeric_only();
    if numeric_only && !(input_type.is_numeric() || input_type == DataType::Null) {
        return Err(SluiceError::analysis(format!(
            "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{}\" due to data type mismatch: the parameter requires the \"NUMERIC\" type, however it has the type \"{}\".",
            call.output_name(),
            input_type.sql_name().to_ascii_uppercase()
        )));
    }
    let mut output_type = func.result_type(&input_type);
    let param = match call.unaliased() {
        Expr::Function { name, .. } if name == "median" => Some(Value::double(0.5)),
        Expr::Function { args, .. } if func == AggFunc::HistogramNumeric => {
            Some(bins(input, call, &args[1])?)
        }
        // `first(x[, ignoreNulls])` / `last`: Spark's default keeps a NULL value.
        Expr::Function { args, .. } if matches!(func, AggFunc::First | AggFunc::Last) => {
            Some(Value::Boolean(match args.get(1) {
                None => false,
                Some(Expr::Literal(Value::Boolean(b))) => *b,
                Some(other) => {
                    return Err(SluiceError::analysis(format!(
                        "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{}\" due to data type mismatch: The second parameter requires a constant \"BOOLEAN\" (ignoreNulls), however \"{}\" is not one.",
                        call.output_name(),
                        other.output_name()
                    )))
                }
            }))
        }
        Expr::Function { args, .. } if func.has_parameter() => Some(percentage(input, call, &args[1])?),
        _ => None,
    };
    if let Some(Value::Array(_)) = param {
        output_type = DataType::Array(Box::new(output_type));
    }
    Ok(BoundAgg { func, arg, input_type, output_type, distinct, retracting: false, param })
}

/// The constant number of bins of `histogram_numeric`, at least 2.
fn bins(input: &Schema, call: &Expr, nb: &Expr) -> Result<Value> {
    let foldable = nb.referenced_columns().is_some_and(|c| c.is_empty());
    match foldable.then(|| nb.bind(input).and_then(|b| b.eval(&[]))).transpose()? {
        Some(Value::Int(n)) if n >= 2 => Ok(Value::Int(n)),
        _ => Err(SluiceError::analysis(format!(
            "[DATATYPE_MISMATCH.VALUE_OUT_OF_RANGE] Cannot resolve \"{}\" due to data type mismatch: The `nb` must be a constant integer of at least 2, got \"{}\".",
            call.output_name(),
            nb.output_name()
        ))),
    }
}

/// The constant percentage (or array of them) of a percentile call, each in [0, 1], as
/// doubles.
fn percentage(input: &Schema, call: &Expr, p: &Expr) -> Result<Value> {
    let invalid = |why: &str| {
        SluiceError::analysis(format!(
            "[DATATYPE_MISMATCH.{why}] Cannot resolve \"{}\" due to data type mismatch: the percentage(s) must be a constant literal between 0.0 and 1.0 (or an array of them), got \"{}\".",
            call.output_name(),
            p.output_name()
        ))
    };
    if p.referenced_columns().is_none_or(|c| !c.is_empty()) {
        return Err(invalid("NON_FOLDABLE_INPUT"));
    }
    let one = |v: &Value| match v.as_f64() {
        Some(x) if (0.0..=1.0).contains(&x) => Ok(Value::double(x)),
        _ => Err(invalid("VALUE_OUT_OF_RANGE")),
    };
    match p.bind(input)?.eval(&[])? {
        Value::Array(items) => Ok(Value::Array(items.iter().map(one).collect::<Result<Vec<_>>>()?.into())),
        Value::Null => Err(invalid("UNEXPECTED_NULL")),
        v => one(&v),
    }
}

/// Spark's checks of a streaming query against its output mode, made at `start()` before
/// any data moves (`UnsupportedOperationChecker`); the messages are Spark's.
pub fn check_streaming_mode(a: &Analyzed, mode: OutputMode) -> Result<()> {
    // A window function's rows change as its partition grows: beyond Spark, which refuses
    // them on every stream, Sluice runs them where output can change (complete and update
    // mode), as it runs an aggregation.
    if let Some(refusal) = a.window_refusal.as_ref().filter(|_| mode == OutputMode::Append) {
        return Err(SluiceError::analysis(refusal.clone()));
    }
    let has_agg = a.aggregations > 0 || a.windows > 0;
    let has_watermark = a.has_event_time_aggregate;
    if a.aggregations + a.windows > 1 && mode != OutputMode::Append {
        // Where Spark refuses (its global-watermark correctness check: "Detected pattern of
        // possible 'correctness' issue"), a differential engine can run a chain: every
        // aggregation that feeds another emits its changes as retractions and additions,
        // which the next one folds exactly, as long as what it computes can be taken back.
        // In update mode the last aggregation then writes the groups that changed; a join
        // over aggregations has no groups to write, so update mode keeps Spark's refusal.
        if mode == OutputMode::Update && join_over_aggregate(&a.root) {
            return Err(SluiceError::analysis(GLOBAL_WATERMARK_CORRECTNESS));
        }
        check_retractable_chain(&a.root)?;
    }
    match mode {
        OutputMode::Complete if !has_agg => {
            return Err(SluiceError::analysis(
                "Complete output mode not supported when there are no streaming aggregations on streaming DataFrames/Datasets",
            ))
        }
        OutputMode::Append if has_agg && (!has_watermark || a.aggregations_without_event_time > 0) => {
            return Err(SluiceError::analysis(
                "Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark",
            ))
        }
        _ => {}
    }
    // Spark refuses distinct aggregates on every stream. Outside append mode Sluice runs them
    // (beyond Spark): a distinct value's count goes up and down with its rows, exactly.
    if mode == OutputMode::Append && has_distinct_aggregate(&a.root) {
        return Err(SluiceError::analysis(
            "Distinct aggregations are not supported on streaming DataFrames/Datasets. Consider using approx_count_distinct() instead.",
        ));
    }
    if a.has_sort && !(has_agg && mode == OutputMode::Complete) {
        return Err(SluiceError::analysis(
            "Sorting is not supported on streaming DataFrames/Datasets, unless it is on aggregated DataFrame/Dataset in Complete output mode",
        ));
    }
    if a.order.limit.is_some() && mode == OutputMode::Update {
        return Err(SluiceError::analysis(
            "Limits are not supported on streaming DataFrames/Datasets in Update output mode",
        ));
    }
    // Session windows (SPARK-36463): a session's key changes as sessions merge, so update
    // mode cannot upsert by key; and a session needs a key to be a session of.
    check_joins(&a.root, mode)?;
    let mut sessions = Vec::new();
    session_aggregates(&a.root, &mut sessions);
    if let Some(&keys) = sessions.first() {
        if mode == OutputMode::Update {
            return Err(SluiceError::analysis(
                "Update output mode not supported for session window on streaming DataFrames/Datasets",
            ));
        }
        if keys == 1 {
            return Err(SluiceError::analysis(
                "Global aggregation with session window in streaming query is not supported.",
            ));
        }
    }
    Ok(())
}

/// An aggregation `agg` over `child`: when `child` aggregates too, its rows change, so
/// `agg` takes retractions (`BoundAgg::retracting`) and `child`'s aggregations emit them.
fn chain_onto(child: &mut Node, agg: &mut AggregateNode) {
    if contains_aggregate(child) {
        agg.aggs.iter_mut().for_each(|a| a.retracting = true);
        mark_feeding_aggregates(child);
    }
}

/// Spark 4's refusal of stateful operators over the changing rows of others.
const GLOBAL_WATERMARK_CORRECTNESS: &str = "Detected pattern of possible 'correctness' issue due to global watermark. The query contains stateful operation which can emit rows older than the current watermark plus allowed late record delay, which are \"late rows\" in downstream stateful operations and these rows can be discarded. Please refer the programming guide doc for more details.";

/// True if a join in `node` reads the rows of an aggregation.
fn join_over_aggregate(node: &Node) -> bool {
    match node {
        Node::Source { .. } => false,
        Node::Map { input, .. }
        | Node::Filter { input, .. }
        | Node::Watermark { input, .. }
        | Node::Deduplicate { input, .. }
        | Node::Window { input, .. }
        | Node::Generate { input, .. }
        | Node::Aggregate { input, .. } => join_over_aggregate(input),
        Node::Union { inputs } => inputs.iter().any(join_over_aggregate),
        Node::Join { left, right, .. } => contains_aggregate(left) || contains_aggregate(right),
    }
}

/// Marks every aggregation in `node` as read by another aggregation.
fn mark_feeding_aggregates(node: &mut Node) {
    match node {
        Node::Source { .. } => {}
        Node::Map { input, .. }
        | Node::Filter { input, .. }
        | Node::Watermark { input, .. }
        | Node::Deduplicate { input, .. }
        | Node::Window { input, .. }
        | Node::Generate { input, .. } => mark_feeding_aggregates(input),
        Node::Union { inputs } => inputs.iter_mut().for_each(mark_feeding_aggregates),
        Node::Join { left, right, .. } => {
            mark_feeding_aggregates(left);
            mark_feeding_aggregates(right);
        }
        Node::Aggregate { input, agg } => {
            agg.feeds_aggregate = true;
            mark_feeding_aggregates(input);
        }
    }
}

/// True if some aggregation in `node` has a distinct aggregate (`count(DISTINCT x)`).
fn has_distinct_aggregate(node: &Node) -> bool {
    match node {
        Node::Source { .. } => false,
        Node::Map { input, .. }
        | Node::Filter { input, .. }
        | Node::Watermark { input, .. }
        | Node::Deduplicate { input, .. }
        | Node::Window { input, .. }
        | Node::Generate { input, .. } => has_distinct_aggregate(input),
        Node::Union { inputs } => inputs.iter().any(has_distinct_aggregate),
        Node::Aggregate { input, agg } => {
            agg.aggs.iter().any(|a| a.distinct) || has_distinct_aggregate(input)
        }
        Node::Join { left, right, .. } => has_distinct_aggregate(left) || has_distinct_aggregate(right),
    }
}

/// An aggregation or deduplication over the changing rows of another aggregation (complete
/// or update mode) must take retractions exactly: count, sum and avg do (`Acc::update` with
/// a negative count), min, max and the moments through a multiset of values
/// (`BoundAgg::retracting`), distinct aggregates through their counted set, deduplication
/// through every live row per key (`DedupNode::over_aggregate`); first and last do not yet.
fn check_retractable_chain(node: &Node) -> Result<()> {
    match node {
        Node::Source { .. } => Ok(()),
        Node::Map { input, .. }
        | Node::Filter { input, .. }
        | Node::Watermark { input, .. }
        | Node::Deduplicate { input, .. }
        | Node::Window { input, .. }
        | Node::Generate { input, .. } => check_retractable_chain(input),
        Node::Union { inputs } => inputs.iter().try_for_each(check_retractable_chain),
        Node::Join { left, right, .. } => {
            check_retractable_chain(left)?;
            check_retractable_chain(right)
        }
        Node::Aggregate { input, agg } => {
            if contains_aggregate(input) {
                if let Some(a) = agg.aggs.iter().find(|a| matches!(a.func, AggFunc::First | AggFunc::Last)) {
                    return Err(SluiceError::analysis(format!(
                        "An aggregation over another streaming aggregation (complete or update mode) takes back the rows that change, and {}{} cannot be taken back yet; count, sum, avg, min, max, the standard deviations and variances and the distinct aggregates can",
                        format!("{:?}", a.func).to_ascii_lowercase(),
                        if a.distinct { " DISTINCT" } else { "" }
                    )));
                }
            }
            check_retractable_chain(input)
        }
    }
}

/// True if a stateful operator in `node` reads an aggregation's rows (a chain): outside
/// append mode those rows change, so every operator of the chain keeps its whole state (no
/// eviction, no late rows) to take each change back exactly.
pub fn has_chain(node: &Node) -> bool {
    match node {
        Node::Source { .. } => false,
        Node::Map { input, .. }
        | Node::Filter { input, .. }
        | Node::Watermark { input, .. }
        | Node::Generate { input, .. } => has_chain(input),
        Node::Window { input, .. } => contains_aggregate(input) || has_chain(input),
        Node::Deduplicate { input, dedup } => dedup.over_aggregate || has_chain(input),
        Node::Aggregate { input, .. } => contains_aggregate(input) || has_chain(input),
        Node::Union { inputs } => inputs.iter().any(has_chain),
        Node::Join { left, right, .. } => has_chain(left) || has_chain(right),
    }
}

/// True if `node` has an aggregation anywhere below (or at) it, or a window function: an
/// operator whose rows change, so what reads them takes retractions.
fn contains_aggregate(node: &Node) -> bool {
    match node {
        Node::Source { .. } => false,
        Node::Aggregate { .. } | Node::Window { .. } => true,
        Node::Map { input, .. }
        | Node::Filter { input, .. }
        | Node::Watermark { input, .. }
        | Node::Deduplicate { input, .. }
        | Node::Generate { input, .. } => contains_aggregate(input),
        Node::Union { inputs } => inputs.iter().any(contains_aggregate),
        Node::Join { left, right, .. } => contains_aggregate(left) || contains_aggregate(right),
    }
}

/// Spark's rules for each streaming join in `node` (see `join::check_streaming_join`).
fn check_joins(node: &Node, mode: OutputMode) -> Result<()> {
    match node {
        Node::Source { .. } => Ok(()),
        Node::Map { input, .. }
        | Node::Filter { input, .. }
        | Node::Watermark { input, .. }
        | Node::Aggregate { input, .. }
        | Node::Deduplicate { input, .. }
        | Node::Window { input, .. }
        | Node::Generate { input, .. } => check_joins(input, mode),
        Node::Union { inputs } => inputs.iter().try_for_each(|i| check_joins(i, mode)),
        Node::Join { left, right, join } => {
            check_joins(left, mode)?;
            check_joins(right, mode)?;
            check_streaming_join(join, mode)
        }
    }
}

/// The number of grouping keys of each aggregation by a session window in `node`.
fn session_aggregates(node: &Node, found: &mut Vec<usize>) {
    match node {
        Node::Source { .. } => {}
        Node::Map { input, .. }
        | Node::Filter { input, .. }
        | Node::Watermark { input, .. }
        | Node::Deduplicate { input, .. }
        | Node::Window { input, .. }
        | Node::Generate { input, .. } => session_aggregates(input, found),
        Node::Union { inputs } => inputs.iter().for_each(|i| session_aggregates(i, found)),
        Node::Join { left, right, .. } => {
            session_aggregates(left, found);
            session_aggregates(right, found);
        }
        Node::Aggregate { input, agg } => {
            if agg.window.as_ref().is_some_and(|w| w.session_gap.is_some()) {
                found.push(agg.keys.len());
            }
            session_aggregates(input, found)
        }
    }
}
