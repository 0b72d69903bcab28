//! `DataFrame`: a query under construction. Transformations only grow the plan and are
//! analysed eagerly; an analysis error is kept and returned by the next action (`collect`,
//! `show`, `schema`, `write_stream().start()`), so calls chain as in Spark.

use crate::batch::collect_plan;
use crate::session::{CatalogEntry, Session};
use sluice_core::expr::Expr;
use sluice_core::format::{row_to_json, show_string};
use sluice_core::functions::col;
use sluice_core::plan::{analyze, JoinCondition, JoinType, LogicalPlan, SortOrder, SourceSpec};
use sluice_core::sql::parse_expr;
use sluice_core::{Options, Result, Row, Schema, SluiceError};
use std::sync::Arc;

/// Something usable as a column in `select`, `group_by`, `sort`: a column name or an `Expr`.
pub trait IntoColumn {
    /// The expression (a name becomes a column reference; `"*"` all columns).
    fn into_column(self) -> Expr;
}
impl IntoColumn for Expr {
    fn into_column(self) -> Expr {
        self
    }
}
impl IntoColumn for &Expr {
    fn into_column(self) -> Expr {
        self.clone()
    }
}
impl IntoColumn for &str {
    fn into_column(self) -> Expr {
        if self == "*" {
            Expr::Star(None)
        } else {
            col(self)
        }
    }
}
impl IntoColumn for String {
    fn into_column(self) -> Expr {
        self.as_str().into_column()
    }
}
impl IntoColumn for &String {
    fn into_column(self) -> Expr {
        self.as_str().into_column()
    }
}

/// A filter condition: an `Expr`, or SQL text as in Spark's `filter("x > 1")`.
pub trait IntoCondition {
    /// The predicate.
    fn into_condition(self) -> Expr;
}
impl IntoCondition for Expr {
    fn into_condition(self) -> Expr {
        self
    }
}
impl IntoCondition for &str {
    fn into_condition(self) -> Expr {
        parse_expr(self).unwrap_or_else(|e| Expr::Invalid(e.to_string()))
    }
}
impl IntoCondition for String {
    fn into_condition(self) -> Expr {
        self.as_str().into_condition()
    }
}

/// What `join` matches on: column names (`"id"`, `["a", "b"]`: USING semantics, one output
/// column per key) or a boolean condition (`col("a.id").eq(col("b.id"))`).
pub trait IntoJoinOn {
    /// The join condition.
    fn into_join_on(self) -> JoinCondition;
}
impl IntoJoinOn for &str {
    fn into_join_on(self) -> JoinCondition {
        JoinCondition::Using(vec![self.to_string()])
    }
}
impl IntoJoinOn for String {
    fn into_join_on(self) -> JoinCondition {
        JoinCondition::Using(vec![self])
    }
}
impl<const N: usize> IntoJoinOn for [&str; N] {
    fn into_join_on(self) -> JoinCondition {
        JoinCondition::Using(self.iter().map(|s| s.to_string()).collect())
    }
}
impl IntoJoinOn for &[&str] {
    fn into_join_on(self) -> JoinCondition {
        JoinCondition::Using(self.iter().map(|s| s.to_string()).collect())
    }
}
impl IntoJoinOn for Vec<String> {
    fn into_join_on(self) -> JoinCondition {
        JoinCondition::Using(self)
    }
}
impl IntoJoinOn for Expr {
    fn into_join_on(self) -> JoinCondition {
        JoinCondition::On(self)
    }
}

/// A distributed collection of rows with a schema, bounded or streaming (Spark's `DataFrame`).
#[derive(Clone)]
pub struct DataFrame {
    pub(crate) session: Session,
    pub(crate) plan: Arc<LogicalPlan>,
    analysis: Result<Schema>,
}

impl std::fmt::Debug for DataFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataFrame").field("plan", &self.plan.explain()).finish()
    }
}

impl DataFrame {
    pub(crate) fn from_plan(session: Session, plan: LogicalPlan) -> Result<DataFrame> {
        let df = Self::lazy(session, plan);
        df.analysis.clone()?;
        Ok(df)
    }

    fn lazy(session: Session, plan: LogicalPlan) -> DataFrame {
        let analysis = session.with_zone(|| analyze(&plan, false)).map(|a| a.schema);
        DataFrame { session, plan: Arc::new(plan), analysis }
    }

    /// A new DataFrame over this one's plan; keeps an earlier analysis error.
    fn derive(&self, make: impl FnOnce(Arc<LogicalPlan>, &Schema) -> LogicalPlan) -> DataFrame {
        match &self.analysis {
            Err(_) => self.clone(),
            Ok(schema) => Self::lazy(self.session.clone(), make(self.plan.clone(), schema)),
        }
    }

    /// The result's schema, or the analysis error of the plan.
    pub fn schema(&self) -> Result<Schema> {
        self.analysis.clone()
    }

    /// Column names.
    pub fn columns(&self) -> Result<Vec<String>> {
        Ok(self.schema()?.names())
    }

    /// True if some source is a stream.
    pub fn is_streaming(&self) -> bool {
        self.plan.is_streaming()
    }

    /// Prints the schema as Spark's `printSchema`.
    pub fn print_schema(&self) -> Result<()> {
        print!("{}", self.schema()?.tree_string());
        Ok(())
    }

    /// The plan as text.
    pub fn explain_string(&self) -> String {
        self.plan.explain()
    }

    /// Prints the plan.
    pub fn explain(&self) {
        print!("== Logical Plan ==\n{}", self.plan.explain());
    }

    /// Selects columns or expressions.
    pub fn select<I>(&self, cols: I) -> DataFrame
    where
        I: IntoIterator,
        I::Item: IntoColumn,
    {
        let exprs: Vec<Expr> = cols.into_iter().map(IntoColumn::into_column).collect();
        self.derive(|input, _| LogicalPlan::Project { input, exprs })
    }

    /// Selects SQL expressions (`select_expr(["gt", "x * 2 AS x2"])`).
    pub fn select_expr<I>(&self, exprs: I) -> DataFrame
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let exprs: Vec<Expr> = exprs
            .into_iter()
            .map(|s| {
                crate::sql::parse_select_item(s.as_ref()).unwrap_or_else(|e| Expr::Invalid(e.to_string()))
            })
            .collect();
        self.derive(|input, _| LogicalPlan::Project { input, exprs })
    }

    /// Keeps rows where the condition is true (an `Expr` or SQL text).
    pub fn filter(&self, condition: impl IntoCondition) -> DataFrame {
        let predicate = condition.into_condition();
        self.derive(|input, _| LogicalPlan::Filter { input, predicate })
    }

    /// Alias of `filter` (Spark's `where`).
    pub fn where_(&self, condition: impl IntoCondition) -> DataFrame {
        self.filter(condition)
    }

    /// Adds a column, or replaces the one with the same name (case-insensitive).
    pub fn with_column(&self, name: &str, value: Expr) -> DataFrame {
        self.derive(|input, schema| {
            let mut exprs: Vec<Expr> = Vec::new();
            let mut replaced = false;
            for f in &schema.fields {
                if f.name.eq_ignore_ascii_case(name) {
                    exprs.push(value.clone().alias(name));
                    replaced = true;
                } else {
                    exprs.push(Expr::Column(vec![f.name.clone()]));
                }
            }
            if !replaced {
                exprs.push(value.alias(name));
            }
            LogicalPlan::Project { input, exprs }
        })
    }

    /// The rows of this DataFrame and `other`, columns matched by position (Spark's `union`,
    /// which keeps duplicates). Streams and batches may be mixed; each stream's watermark
    /// counts, combined by `spark.sql.streaming.multipleWatermarkPolicy` (min or max).
    pub fn union(&self, other: &DataFrame) -> DataFrame {
        if other.analysis.is_err() {
            return other.clone();
        }
        let other = other.plan.clone();
        self.derive(|input, _| LogicalPlan::Union { inputs: vec![input, other] })
    }

    /// Joins with `other` (Spark's `join(other, on, how)`): `on` is column names (USING: one
    /// output column per key, Spark's column order) or a boolean `Expr`; `how` is `inner`,
    /// `left`/`left_outer`, `right`/`right_outer`, `full`/`full_outer`/`outer`, `left_semi`,
    /// `left_anti` or `cross`. Name the sides apart with `alias("a")` and `col("a.x")`.
    pub fn join(&self, other: &DataFrame, on: impl IntoJoinOn, how: &str) -> DataFrame {
        if other.analysis.is_err() {
            return other.clone();
        }
        let kind = match JoinType::parse(how) {
            Ok(k) => k,
            Err(e) => {
                return DataFrame { session: self.session.clone(), plan: self.plan.clone(), analysis: Err(e) }
            }
        };
        let right = other.plan.clone();
        let condition = on.into_join_on();
        self.derive(|left, _| LogicalPlan::Join { left, right, kind, condition })
    }

    /// Every pair of rows of this DataFrame and `other` (Spark's `crossJoin`).
    pub fn cross_join(&self, other: &DataFrame) -> DataFrame {
        if other.analysis.is_err() {
            return other.clone();
        }
        let right = other.plan.clone();
        self.derive(|left, _| LogicalPlan::Join {
            left,
            right,
            kind: JoinType::Cross,
            condition: JoinCondition::None,
        })
    }

    /// Names this DataFrame `alias`, so its columns can be referred to as `alias.col`
    /// (Spark's `alias` / `as`).
    pub fn alias(&self, alias: &str) -> DataFrame {
        let alias = alias.to_string();
        self.derive(|input, _| LogicalPlan::SubqueryAlias { input, alias })
    }

    /// Declares `column` (a timestamp) as the event time, with rows later than the
    /// watermark (max event time seen - `delay`, e.g. `"30 minutes"`) dropped by stateful
    /// operators and their state evicted. Does nothing on a batch DataFrame.
    pub fn with_watermark(&self, column: &str, delay: &str) -> DataFrame {
        let (column, delay) = (column.to_string(), delay.to_string());
        self.derive(|input, _| LogicalPlan::Watermark { input, column, delay })
    }

    /// Renames a column; a name that does not exist is ignored, as in Spark.
    pub fn with_column_renamed(&self, existing: &str, new: &str) -> DataFrame {
        self.derive(|input, schema| LogicalPlan::Project {
            input,
            exprs: schema
                .fields
                .iter()
                .map(|f| {
                    let c = Expr::Column(vec![f.name.clone()]);
                    if f.name.eq_ignore_ascii_case(existing) {
                        c.alias(new)
                    } else {
                        c
                    }
                })
                .collect(),
        })
    }

    /// Drops columns by name; names that do not exist are ignored, as in Spark.
    pub fn drop<I>(&self, cols: I) -> DataFrame
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let gone: Vec<String> = cols.into_iter().map(|c| c.as_ref().to_ascii_lowercase()).collect();
        self.derive(|input, schema| LogicalPlan::Project {
            input,
            exprs: schema
                .fields
                .iter()
                .filter(|f| !gone.contains(&f.name.to_ascii_lowercase()))
                .map(|f| Expr::Column(vec![f.name.clone()]))
                .collect(),
        })
    }

    /// Keeps the first row of each distinct value of `cols` (Spark's `dropDuplicates`; no
    /// columns means all of them). On a stream the state is bounded once the watermarked
    /// event-time column is among `cols`: a key is forgotten when the watermark passes it,
    /// and rows at or before the watermark are dropped as late.
    pub fn drop_duplicates<I>(&self, cols: I) -> DataFrame
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let columns = cols.into_iter().map(|c| c.as_ref().to_string()).collect();
        self.derive(|input, _| LogicalPlan::Deduplicate { input, columns, within_watermark: false })
    }

    /// Spark's `dropDuplicatesWithinWatermark` (3.5): as `drop_duplicates`, but a key's
    /// state expires once the watermark passes its first row's event time plus the
    /// watermark's delay, whether or not the event time is a key. A stream needs a watermark.
    pub fn drop_duplicates_within_watermark<I>(&self, cols: I) -> DataFrame
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let columns = cols.into_iter().map(|c| c.as_ref().to_string()).collect();
        self.derive(|input, _| LogicalPlan::Deduplicate { input, columns, within_watermark: true })
    }

    /// The distinct rows (Spark's `distinct()`, which is `dropDuplicates()`).
    pub fn distinct(&self) -> DataFrame {
        self.drop_duplicates(Vec::<String>::new())
    }

    /// Groups rows for aggregation.
    pub fn group_by<I>(&self, cols: I) -> GroupedData
    where
        I: IntoIterator,
        I::Item: IntoColumn,
    {
        GroupedData {
            df: self.clone(),
            keys: cols.into_iter().map(IntoColumn::into_column).collect(),
            sets: None,
        }
    }

    /// Groups rows by every subset of `cols` (Spark's `cube`): the aggregates per group of
    /// each subset, the columns outside it null; `grouping(col)` / `grouping_id()` tell them apart.
    pub fn cube<I>(&self, cols: I) -> GroupedData
    where
        I: IntoIterator,
        I::Item: IntoColumn,
    {
        let mut g = self.group_by(cols);
        g.sets = Some(sluice_core::grouping::cube_sets(g.keys.len()));
        g
    }

    /// Groups rows by every prefix of `cols` (Spark's `rollup`), down to the grand total.
    pub fn rollup<I>(&self, cols: I) -> GroupedData
    where
        I: IntoIterator,
        I::Item: IntoColumn,
    {
        let mut g = self.group_by(cols);
        g.sets = Some(sluice_core::grouping::rollup_sets(g.keys.len()));
        g
    }

    /// Aggregates over all rows (no grouping).
    pub fn agg<I>(&self, aggs: I) -> DataFrame
    where
        I: IntoIterator<Item = Expr>,
    {
        self.group_by(Vec::<Expr>::new()).agg(aggs)
    }

    /// Sorts by columns, ascending (use `sort_by` for directions).
    pub fn sort<I>(&self, cols: I) -> DataFrame
    where
        I: IntoIterator,
        I::Item: IntoColumn,
    {
        self.sort_by(cols.into_iter().map(|c| SortOrder::asc(c.into_column())).collect())
    }

    /// Alias of `sort` (Spark's `orderBy`).
    pub fn order_by<I>(&self, cols: I) -> DataFrame
    where
        I: IntoIterator,
        I::Item: IntoColumn,
    {
        self.sort(cols)
    }

    /// Sorts by keys with explicit directions (`SortOrder::desc(col("count"))`).
    pub fn sort_by(&self, order: Vec<SortOrder>) -> DataFrame {
        self.derive(|input, _| LogicalPlan::Sort { input, order })
    }

    /// Keeps the first `n` rows.
    pub fn limit(&self, n: usize) -> DataFrame {
        self.derive(|input, _| LogicalPlan::Limit { input, n })
    }

    /// Registers this DataFrame as a view for `session.sql`.
    pub fn create_or_replace_temp_view(&self, name: &str) -> Result<()> {
        self.schema()?;
        self.session.register(name, CatalogEntry::View(self.plan.clone()));
        Ok(())
    }

    /// Runs the (bounded) query and returns its rows.
    pub fn collect(&self) -> Result<Vec<Row>> {
        self.schema()?;
        if self.is_streaming() {
            return Err(SluiceError::analysis(
                "Queries with streaming sources must be executed with writeStream.start();",
            ));
        }
        collect_plan(&self.session, &self.plan)
    }

    /// Number of rows.
    pub fn count(&self) -> Result<usize> {
        Ok(self.collect()?.len())
    }

    /// The rows as JSON objects, one per row, keys in column order.
    pub fn to_json_lines(&self) -> Result<Vec<String>> {
        let schema = self.schema()?;
        let zone = self.session.time_zone()?;
        Ok(self.collect()?.iter().map(|r| row_to_json(&schema, r, zone)).collect())
    }

    /// Spark's `show()` text for the first `n` rows (cells cut at `truncate` characters, 0 = never).
    pub fn show_string(&self, n: usize, truncate: usize) -> Result<String> {
        let schema = self.schema()?;
        let rows = self.limit(n + 1).collect()?;
        Ok(show_string(&schema, &rows, n, truncate, self.session.time_zone()?))
    }

    /// Prints the first 20 rows as Spark's `show()`.
    pub fn show(&self) -> Result<()> {
        self.show_n(20, true)
    }

    /// Prints the first `n` rows; `truncate` cuts cells at 20 characters.
    pub fn show_n(&self, n: usize, truncate: bool) -> Result<()> {
        print!("{}", self.show_string(n, if truncate { 20 } else { 0 })?);
        Ok(())
    }
}

/// A DataFrame grouped by keys, waiting for its aggregates (Spark's `RelationalGroupedDataset`).
#[derive(Clone, Debug)]
pub struct GroupedData {
    df: DataFrame,
    keys: Vec<Expr>,
    /// Grouping sets (`cube`, `rollup`) as indices into `keys`.
    sets: Option<Vec<Vec<usize>>>,
}

impl GroupedData {
    /// Computes the aggregates per group; the result has the keys, then the aggregates.
    pub fn agg<I>(&self, aggs: I) -> DataFrame
    where
        I: IntoIterator<Item = Expr>,
    {
        let group = self.keys.clone();
        let mut output = group.clone();
        output.extend(aggs);
        match self.sets.clone() {
            Some(sets) => self.df.derive(|input, _| LogicalPlan::GroupingSets {
                input,
                group,
                sets,
                output,
                having: None,
            }),
            None => self.df.derive(|input, _| LogicalPlan::Aggregate { input, group, output, having: None }),
        }
    }

    /// Rows per group, in a column `count`.
    pub fn count(&self) -> DataFrame {
        self.agg([sluice_core::functions::count_star().alias("count")])
    }

    fn each(&self, func: fn(Expr) -> Expr, cols: &[&str]) -> DataFrame {
        self.agg(cols.iter().map(|c| func(col(c))))
    }

    /// `avg` of each named column.
    pub fn avg(&self, cols: &[&str]) -> DataFrame {
        self.each(sluice_core::functions::avg, cols)
    }

    /// Alias of `avg`.
    pub fn mean(&self, cols: &[&str]) -> DataFrame {
        self.avg(cols)
    }

    /// `sum` of each named column.
    pub fn sum(&self, cols: &[&str]) -> DataFrame {
        self.each(sluice_core::functions::sum, cols)
    }

    /// `min` of each named column.
    pub fn min(&self, cols: &[&str]) -> DataFrame {
        self.each(sluice_core::functions::min, cols)
    }

    /// `max` of each named column.
    pub fn max(&self, cols: &[&str]) -> DataFrame {
        self.each(sluice_core::functions::max, cols)
    }
}

impl Session {
    /// A table or view by name (case-insensitive).
    pub fn table(&self, name: &str) -> Result<DataFrame> {
        let plan = self.table_plan(name, false)?;
        DataFrame::from_plan(self.clone(), plan)
    }

    /// A bounded DataFrame of the given rows.
    pub fn create_dataframe(&self, rows: Vec<Row>, schema: Schema) -> Result<DataFrame> {
        if let Some(bad) = rows.iter().find(|r| r.len() != schema.len()) {
            return Err(SluiceError::analysis(format!(
                "row {bad:?} has {} values but the schema has {} columns",
                bad.len(),
                schema.len()
            )));
        }
        let spec = SourceSpec {
            description: "LocalRelation".into(),
            connector: "memory".into(),
            path: None,
            rows: Some(Arc::new(rows)),
            schema,
            options: Options::new(),
            streaming: false,
        };
        DataFrame::from_plan(self.clone(), LogicalPlan::Source(Arc::new(spec)))
    }
}
